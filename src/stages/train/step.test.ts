import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from '../../engine/index.js';
import { randomQwen2, tinyQwen2Config } from '../../models/qwen2/index.js';
import { ConfigBuilder } from './config.js';
import { Qwen2Student } from './qwen2.js';
import { buildOptimizer, parameterGroups, precisionCompute } from './step.js';
import { TEST_STUDENT } from './testing/fixture.js';

const model = new Qwen2Student(randomQwen2(tinyQwen2Config(TEST_STUDENT), 3, 'float64'));
const defaults = new ConfigBuilder().build();

test('weight decay: every norm and bias is in the no-decay group, every other weight (the tied embedding too) decays', () => {
  const g = parameterGroups(model, defaults.optimizer.weight_decay, defaults.optimizer.no_decay);
  const perLayer = (l: number, names: string[]) => names.map((n) => `model.layers.${l}.${n}`);
  assert.deepEqual(
    g.noDecay.map(([n]) => n),
    [0, 1].flatMap((l) => perLayer(l, ['input_layernorm.weight', 'self_attn.q_proj.bias', 'self_attn.k_proj.bias', 'self_attn.v_proj.bias', 'post_attention_layernorm.weight'])).concat('model.norm.weight'),
  );
  assert.deepEqual(
    g.decay.map(([n]) => n),
    ['model.embed_tokens.weight'].concat(
      [0, 1].flatMap((l) => perLayer(l, ['self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight', 'self_attn.o_proj.weight', 'mlp.gate_proj.weight', 'mlp.up_proj.weight', 'mlp.down_proj.weight'])),
    ),
  );
  const none = parameterGroups(model, 0, defaults.optimizer.no_decay);
  assert.deepEqual([none.decay.length, none.noDecay.length], [0, g.decay.length + g.noDecay.length], 'weight_decay 0: one group');
});

test('the optimizer applies the decay by group: with zero gradients an AdamW step scales decayed weights by (1 − lr·wd) and leaves norms and biases as they are', () => {
  const opt = buildOptimizer(model, defaults.optimizer);
  try {
    const g = parameterGroups(model, defaults.optimizer.weight_decay, defaults.optimizer.no_decay);
    assert.deepEqual([opt.group(0).weightDecay, opt.group(0).size, opt.group(1).weightDecay, opt.group(1).size], [0.01, g.decay.length, 0, g.noDecay.length]);
    assert.deepEqual([opt.group(0).lr, opt.group(0).betas, opt.group(0).eps], [1e-5, [0.9, 0.999], 1e-8]);
    const before = model.namedParameters().map(([n, p]) => [n, p.toFloat64Array()] as const);
    // Zero gradients on every parameter: Adam's update is 0, only the decoupled decay acts.
    tidy(() => {
      let total = model.namedParameters()[0]![1].sum().mul(0);
      for (const [, p] of model.namedParameters().slice(1)) total = total.add(p.sum().mul(0));
      total.backward();
    });
    const lr = 0.5;
    opt.setLr(lr);
    opt.step();
    opt.zeroGrad();
    const decayed = new Set(g.decay.map(([n]) => n));
    for (const [name, p] of model.namedParameters()) {
      const was = before.find(([n]) => n === name)![1];
      const now = p.toFloat64Array();
      const factor = decayed.has(name) ? 1 - lr * 0.01 : 1;
      let worst = 0;
      for (let i = 0; i < now.length; i++) worst = Math.max(worst, Math.abs(now[i]! - was[i]! * factor));
      assert.ok(worst < 1e-15, `${name}: off by ${worst}`);
    }
  } finally {
    opt.dispose();
  }
});

test('precision: bf16 autocast on CUDA for auto, float32 on CPU; fp32 and bf16 force it', () => {
  assert.equal(precisionCompute('auto', 'cpu').bf16, false);
  assert.equal(precisionCompute('auto', 'cuda').bf16, true);
  assert.equal(precisionCompute('auto', 'cuda:1').bf16, true);
  assert.equal(precisionCompute('fp32', 'cuda').bf16, false);
  assert.equal(precisionCompute('bf16', 'cpu').bf16, true);
});
