/**
 * BERTScore (Zhang et al., 2020) exactly as the `bert_score` package 0.3.13 computes it
 * (`score()` → `bert_cos_score_idf` → `greedy_cos_idf`), on the tensor engine:
 *
 * 1. Each text is stripped (Python `str.strip`) and encoded with the model's special tokens,
 *    cut to the model's maximum length (RoBERTa's byte-level BPE gets a prefix space, as
 *    bert_score's `add_prefix_space=True`); an empty text is `[CLS] [SEP]`.
 * 2. Token weights: idf over the references (idf.ts), or 1 with [CLS]/[SEP] at 0.
 * 3. Embeddings: the hidden states after layer L of each distinct text, computed in batches of
 *    texts sorted by length, L2-normalized per token.
 * 4. Greedy matching over consecutive batches of `batchSize` pairs in input order (bert_score's
 *    batches): predictions and references padded to the longest in the batch; sim = H·Rᵀ times
 *    the padding mask; P = Σ_i w(h_i)·max_j sim_ij / Σ w(h), R likewise over reference tokens,
 *    F = 2PR/(P+R). [CLS] and [SEP] take part in the max but weigh 0; a padded position counts
 *    as similarity 0 in the max, exactly as in bert_score (so a token whose best match is
 *    negative scores 0 when the other side is shorter than the longest in its batch).
 * 5. An empty prediction or reference gives P = R = F = 0 (bert_score's warning case); F = 0
 *    when P + R = 0.
 * 6. Optional baseline rescaling (x − b)/(1 − b), each measure with its own b (baseline.ts).
 *
 * All in float32, like bert_score. Texts are never logged.
 */
import { inferenceMode, keep, stack, tensor, tidy, type Device, type Tensor } from '../../../engine/index.js';
import { loadEncoder, readBertConfig } from '../../../models/bert/load.js';
import type { BertConfig } from '../../../models/bert/config.js';
import type { Encoder } from '../../../models/bert/model.js';
import { loadEncoderTokenizer, type EncodedText, type EncoderTokenizer } from '../../../models/bert/tokenizer.js';
import { pythonStrip } from '../../../models/bert/text.js';
import { modelNameFromPath } from '../../../models/hf/config.js';
import type { LoadReport } from '../../../models/hf/load.js';
import { ConfigError } from '../../../util/errors.js';
import type { Prf } from '../prf.js';
import { rescale, type Baseline } from './baseline.js';
import { BERT_SCORE_LAYERS, bertScoreModelName, defaultLayer } from './defaults.js';
import { idfFromReferences, uniformWeights, type IdfWeights } from './idf.js';

/** The bert_score version whose semantics clinsum reproduces. */
export const BERT_SCORE_VERSION = '0.3.13';
export const DEFAULT_BATCH_SIZE = 64;
/** Pairs whose embeddings are held at once: this many matching batches. */
const WINDOW_BATCHES = 16;

export interface BertScorerOptions {
  /** Layer L (0 = embeddings); default bert_score's for the model. */
  layer?: number;
  /** Default `cpu`. */
  device?: Device;
  /** bert_score's model name (for the default layer and the hash); default: told from the folder. */
  modelName?: string;
  /** How messages name the layer setting (default `--layer`; `eval` says `--bertscore-layer`). */
  layerFlag?: string;
}

export interface TextPair {
  reference: string;
  prediction: string;
}

export interface BertScoreOptions {
  /** idf weights from the references of this call (bert_score `idf=True`). */
  idf?: boolean;
  /** Pairs per matching batch and texts per embedding batch (bert_score `batch_size`, 64). */
  batchSize?: number;
  baseline?: Baseline;
  /** Pairs scored so far. */
  onProgress?: (done: number) => void;
}

export interface BertScoreRun {
  /** One per pair, in input order. */
  scores: Prf[];
  /** Indices of pairs whose prediction, or reference, was cut to `maxLength` tokens. */
  truncatedPredictions: number[];
  truncatedReferences: number[];
  /** Indices of pairs with an empty prediction or reference (scored 0). */
  empty: number[];
  /**
   * Indices of pairs where every token of the prediction or the reference has idf 0 (each of
   * its tokens is in every reference): bert_score divides by 0 there and returns NaN for P or R
   * (F is 0); clinsum reports 0 and counts them.
   */
  zeroWeight: number[];
}

interface Text {
  enc: EncodedText;
  /** Normalized embeddings (len, hidden), while its window is being scored. */
  emb?: Tensor;
}

function isEmpty(t: Text): boolean {
  return t.enc.ids.length === 2;
}

export class BertScorer {
  readonly dir: string;
  /** bert_score's name of the model (e.g. `distilbert-base-uncased`), or the folder's name. */
  readonly modelName: string;
  readonly layer: number;
  /** Longest input in tokens, special tokens included. */
  readonly maxLength: number;
  readonly config: BertConfig;
  readonly tokenizer: EncoderTokenizer;
  readonly encoder: Encoder;
  readonly device: Device;
  readonly loadReport: LoadReport;
  /** RoBERTa's byte-level BPE: bert_score encodes with `add_prefix_space=True`. */
  readonly prefixSpace: boolean;

  private constructor(init: Omit<BertScorer, 'encode' | 'score' | 'hash' | 'dispose'>) {
    this.dir = init.dir;
    this.modelName = init.modelName;
    this.layer = init.layer;
    this.maxLength = init.maxLength;
    this.config = init.config;
    this.tokenizer = init.tokenizer;
    this.encoder = init.encoder;
    this.device = init.device;
    this.loadReport = init.loadReport;
    this.prefixSpace = init.prefixSpace;
  }

  /** Read the tokenizer and the first `layer` layers of the encoder in `dir`. */
  static load(dir: string, options: BertScorerOptions = {}): BertScorer {
    const config = readBertConfig(dir);
    const modelName = options.modelName ?? recogniseModel(dir, config);
    const layer = options.layer ?? defaultLayer(modelName);
    const layerFlag = options.layerFlag ?? '--layer';
    if (layer === undefined) {
      const known = Object.entries(BERT_SCORE_LAYERS)
        .filter(([n]) => !n.includes('/'))
        .slice(0, 6)
        .map(([n, l]) => `${n} ${l}`)
        .join(', ');
      throw new ConfigError(
        `${dir}: bert_score has no default layer for "${modelName}" (told from the folder name and config.json); pass ${layerFlag} N, 0 to ${config.numLayers} (its defaults: ${known}, ...)`,
      );
    }
    if (!Number.isInteger(layer) || layer < 0 || layer > config.numLayers) {
      throw new ConfigError(`${layerFlag} ${layer} is not a layer of ${dir}: it has ${config.numLayers} (0 is the embeddings); pass ${layerFlag} 0 to ${config.numLayers}`);
    }
    const tokenizer = loadEncoderTokenizer(dir);
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new ConfigError(`${dir}: tokenizer.json has ${tokenizer.vocabSize} ids but the model's vocab_size is ${config.vocabSize}`);
    }
    if (tokenizer.prefixIds.length === 0 || tokenizer.suffixIds.length === 0) {
      throw new ConfigError(`${dir}: tokenizer.json adds no [CLS]/[SEP] (its post_processor), which BERTScore needs`);
    }
    const device = options.device ?? 'cpu';
    const { encoder, report } = loadEncoder(dir, { layers: layer, device });
    return new BertScorer({
      dir,
      modelName,
      layer,
      maxLength: Math.min(tokenizer.modelMaxLength ?? Infinity, config.maxInputTokens),
      config,
      tokenizer,
      encoder,
      device,
      loadReport: report,
      prefixSpace: tokenizer.kind === 'bpe',
    });
  }

  /** bert_score's `sent_encode`: strip, special tokens, truncation at `maxLength`. */
  encode(text: string): EncodedText {
    const s = pythonStrip(text);
    if (s === '') return { ids: this.tokenizer.withSpecialTokens([]), fullLength: 2, truncated: false };
    return this.tokenizer.encodeForModel(this.prefixSpace ? ` ${s}` : s, this.maxLength);
  }

  /** bert_score's hash of the settings, e.g. `distilbert-base-uncased_L5_no-idf_version=0.3.13(clinsum)`. */
  hash(idf: boolean, baseline: boolean): string {
    return `${this.modelName}_L${this.layer}${idf ? '_idf' : '_no-idf'}_version=${BERT_SCORE_VERSION}(clinsum)${baseline ? '-custom-rescaled' : ''}`;
  }

  /** Score pairs as one bert_score `score(cands, refs)` call. */
  async score(pairs: readonly TextPair[], options: BertScoreOptions = {}): Promise<BertScoreRun> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    const texts = new Map<string, Text>();
    const textOf = (s: string): Text => {
      let t = texts.get(s);
      if (t === undefined) {
        t = { enc: this.encode(s) };
        texts.set(s, t);
      }
      return t;
    };
    const preds = pairs.map((p) => textOf(p.prediction));
    const refs = pairs.map((p) => textOf(p.reference));
    const weights: IdfWeights = options.idf
      ? idfFromReferences(refs.map((r) => r.enc.ids))
      : uniformWeights([this.tokenizer.sepId, this.tokenizer.clsId]);

    const run: BertScoreRun = { scores: [], truncatedPredictions: [], truncatedReferences: [], empty: [], zeroWeight: [] };
    pairs.forEach((_, i) => {
      if (preds[i]!.enc.truncated) run.truncatedPredictions.push(i);
      if (refs[i]!.enc.truncated) run.truncatedReferences.push(i);
    });

    const window = batchSize * WINDOW_BATCHES;
    for (let w0 = 0; w0 < pairs.length; w0 += window) {
      const w1 = Math.min(pairs.length, w0 + window);
      const inWindow = new Set<Text>();
      for (let i = w0; i < w1; i++) inWindow.add(preds[i]!).add(refs[i]!);
      try {
        await this.embed([...inWindow], batchSize);
        for (let b0 = w0; b0 < w1; b0 += batchSize) {
          const b1 = Math.min(w1, b0 + batchSize);
          const prf = this.match(preds.slice(b0, b1), refs.slice(b0, b1), weights);
          for (let k = 0; k < b1 - b0; k++) {
            const i = b0 + k;
            let [p, r, f] = [prf[k]!, prf[b1 - b0 + k]!, prf[2 * (b1 - b0) + k]!];
            if (isEmpty(preds[i]!) || isEmpty(refs[i]!)) {
              [p, r, f] = [0, 0, 0];
              run.empty.push(i);
            } else if (Number.isNaN(p) || Number.isNaN(r)) {
              if (Number.isNaN(p)) p = 0;
              if (Number.isNaN(r)) r = 0;
              f = 0;
              run.zeroWeight.push(i);
            }
            if (Number.isNaN(f)) f = 0;
            if (options.baseline !== undefined) {
              const b = options.baseline;
              [p, r, f] = [rescale(p, b.precision), rescale(r, b.recall), rescale(f, b.fmeasure)];
            }
            run.scores.push({ precision: p, recall: r, fmeasure: f });
          }
          options.onProgress?.(b1);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } finally {
        for (const t of inWindow) {
          t.emb?.dispose();
          t.emb = undefined;
        }
      }
    }
    return run;
  }

  /** Normalized embeddings of `texts`, in batches of texts sorted by length (longest first). */
  private async embed(texts: readonly Text[], batchSize: number): Promise<void> {
    const order = [...texts].sort((a, b) => b.enc.ids.length - a.enc.ids.length);
    const pad = this.config.padTokenId;
    for (let s = 0; s < order.length; s += batchSize) {
      const batch = order.slice(s, s + batchSize);
      const t = batch[0]!.enc.ids.length;
      const ids = new Int32Array(batch.length * t).fill(pad);
      const mask = new Uint8Array(batch.length * t);
      batch.forEach((x, i) => {
        ids.set(x.enc.ids, i * t);
        mask.fill(1, i * t, i * t + x.enc.ids.length);
      });
      inferenceMode(() =>
        tidy(() => {
          const h = this.encoder.forward(
            tensor(ids, { shape: [batch.length, t], dtype: 'int64', device: this.device }),
            tensor(mask, { shape: [batch.length, t], device: this.device }),
          ); // (B, T, C)
          const hn = h.div(h.norm(2, -1, true));
          batch.forEach((x, i) => {
            x.emb = keep(hn.select(0, i).narrow(0, 0, x.enc.ids.length)); // (len, C)
          });
        }),
      );
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** P, R, F of one matching batch, as one Float32Array [P..., R..., F...]. */
  private match(preds: readonly Text[], refs: readonly Text[], weights: IdfWeights): Float32Array {
    const b = preds.length;
    const side = (list: readonly Text[]) => {
      const t = Math.max(...list.map((x) => x.enc.ids.length));
      const mask = new Float32Array(b * t);
      const w = new Float32Array(b * t);
      list.forEach((x, i) => {
        mask.fill(1, i * t, i * t + x.enc.ids.length);
        x.enc.ids.forEach((id, j) => {
          w[i * t + j] = weights.weight(id);
        });
      });
      return { t, mask, w, list };
    };
    const hyp = side(preds);
    const ref = side(refs);
    return inferenceMode(() =>
      tidy(() => {
        const dev = { device: this.device };
        const padded = (s: ReturnType<typeof side>): Tensor =>
          stack(s.list.map((x) => x.emb!.pad([0, 0, 0, s.t - x.enc.ids.length]))); // (B, T, C)
        const h = padded(hyp);
        const r = padded(ref);
        const hm = tensor(hyp.mask, { shape: [b, hyp.t], ...dev });
        const rm = tensor(ref.mask, { shape: [b, ref.t], ...dev });
        const sim = h.bmm(r.transpose(1, 2)).mul(hm.unsqueeze(2).mul(rm.unsqueeze(1))); // (B, Th, Tr)
        const wordPrecision = sim.amax(2); // (B, Th)
        const wordRecall = sim.amax(1); // (B, Tr)
        const hw = tensor(hyp.w, { shape: [b, hyp.t], ...dev });
        const rw = tensor(ref.w, { shape: [b, ref.t], ...dev });
        const p = wordPrecision.mul(hw.div(hw.sum(1, true))).sum(1);
        const rc = wordRecall.mul(rw.div(rw.sum(1, true))).sum(1);
        const f = p.mul(2).mul(rc).div(p.add(rc));
        return stack([p, rc, f]).cpu().toFloat32Array();
      }),
    );
  }

  dispose(): void {
    this.encoder.dispose();
  }
}

/**
 * bert_score's name for the model in `dir`: a huggingface_hub snapshot path or the folder's
 * name when bert_score knows it, else config.json's `_name_or_path`, else the folder's name.
 */
export function recogniseModel(dir: string, config: BertConfig): string {
  const fromPath = bertScoreModelName(modelNameFromPath(dir));
  if (defaultLayer(fromPath) !== undefined) return fromPath;
  if (config.nameOrPath !== undefined) {
    const fromConfig = bertScoreModelName(config.nameOrPath);
    if (defaultLayer(fromConfig) !== undefined) return fromConfig;
    const tail = bertScoreModelName(modelNameFromPath(config.nameOrPath));
    if (defaultLayer(tail) !== undefined) return tail;
  }
  return fromPath;
}
