import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, join, jsonForScript, raw, scriptSafe } from './html.js';

test('html escapes interpolated text and attributes, keeps markup made by html or raw', () => {
  const user = `</script><b onclick="x">'&'</b>`;
  const out = html`<p title="${user}">${user}${html`<em>${1.5}</em>`}${raw('<br>')}${[user, 2]}${null}${undefined}${false}</p>`;
  assert.equal(
    out.value,
    '<p title="&lt;/script&gt;&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;">&lt;/script&gt;&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;<em>1.5</em><br>&lt;/script&gt;&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;2</p>',
  );
  assert.equal(escapeHtml('a<b>&"\''), 'a&lt;b&gt;&amp;&quot;&#39;');
  assert.equal(join(['<', html`<i>x</i>`], ', ').value, '&lt;, <i>x</i>');
});

test('jsonForScript cannot close its script element and parses back to the same value', () => {
  const value = { text: '</script><script>alert(1)</script><!-- \u2028\u2029 & >', n: [1, 2.5, null], nested: { '</SCRIPT>': true } };
  const s = jsonForScript(value);
  assert.doesNotMatch(s, /<|>|&|\u2028|\u2029/);
  assert.deepEqual(JSON.parse(s), value);
});

test('scriptSafe escapes </script and <!-- without changing what string literals mean', () => {
  const source = 'var a = "</script><!--"; var b = /<\\/SCRIPT>/i;';
  const safe = scriptSafe(source);
  assert.doesNotMatch(safe, /<\/script|<!--/i);
  // Evaluate both as expressions: the string literal is the same.
  const f = (src: string) => new Function(`${src} return [a, b.source];`)() as [string, string];
  assert.deepEqual(f(safe)[0], f(source)[0]);
});
