/** The page's stylesheet (inlined; system fonts only, light and dark schemes, visible focus). */
export const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fbfbfa; --muted: #5a6270; --line: #c9ced6; --accent: #0b5cad; --accent-fg: #fff; --warn-bg: #fff6d6; --warn-fg: #4d3b00; --err-bg: #fde8e8; --err-fg: #7a0c0c; --panel: #fff; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8eb; --bg: #15171a; --muted: #a3abb8; --line: #3b414b; --accent: #6fb1ff; --accent-fg: #0b1420; --warn-bg: #3a3212; --warn-fg: #f3e3a6; --err-bg: #3d1616; --err-fg: #ffc9c9; --panel: #1d2024; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
.note { background: var(--warn-bg); color: var(--warn-fg); border-radius: .4rem; padding: .6rem .8rem; margin: 0 0 1.25rem; }
label { display: block; font-weight: 600; margin: 0 0 .3rem; }
.field { margin: 0 0 1rem; }
.row { display: flex; flex-wrap: wrap; gap: 1rem 1.5rem; align-items: flex-end; }
.row .field { flex: 0 1 auto; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; min-height: 1.35em; }
textarea, input, select { font: inherit; color: inherit; background: var(--panel); border: 1px solid var(--line); border-radius: .35rem; padding: .45rem .55rem; }
textarea { width: 100%; min-height: 14rem; resize: vertical; }
input[type=number] { width: 7rem; }
input[type=file] { padding: .3rem; }
button { font: inherit; font-weight: 600; border-radius: .35rem; padding: .5rem 1rem; border: 1px solid var(--accent); background: var(--panel); color: var(--accent); cursor: pointer; }
button.primary { background: var(--accent); color: var(--accent-fg); }
button:disabled { opacity: .5; cursor: not-allowed; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin: .5rem 0 1.5rem; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { background: var(--err-bg); color: var(--err-fg); border-radius: .4rem; padding: .6rem .8rem; margin: 0 0 1rem; }
.out { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel); border: 1px solid var(--line); border-radius: .4rem; padding: .75rem; min-height: 4rem; }
.out[aria-busy=true]::after { content: "▍"; animation: blink 1s steps(2) infinite; }
@keyframes blink { 50% { opacity: 0; } }
@media (prefers-reduced-motion: reduce) { .out[aria-busy=true]::after { animation: none; } }
.stats { color: var(--muted); font-size: .9rem; margin: .4rem 0 1.5rem; }
section { margin: 0 0 1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
`;
