"""The web chat's look and page script: its CSS, the theme, and the JavaScript that keeps
every question asked (``ui/layout.py`` wires them into the Gradio app)."""

from __future__ import annotations

from typing import Any

CSS = """
.rag-answer { line-height: 1.55; }
.rag-short { margin-bottom: .35em; }
.rag-brief-head { font-weight: 600; margin-bottom: .3em; }
.rag-short-span { font-weight: 700; }
a.rag-cite { text-decoration: none; font-weight: 600; padding: 0 1px; cursor: pointer; }
.rag-sources { margin-top: .6em; border-top: 1px solid var(--border-color-primary); }
.rag-source { margin-top: .5em; padding: .35em .5em; border-radius: 6px;
  transition: background-color .4s; }
.rag-source.rag-flash { background: var(--color-accent-soft); }
.rag-source-head { font-size: .92em; }
.rag-file { color: var(--body-text-color-subdued); font-size: .85em; }
.rag-origin { font-size: .85em; font-weight: 600; }
.rag-context { font-size: .9em; color: var(--body-text-color-subdued); white-space: pre-wrap; }
.rag-context mark { background: #fde68a; color: #111; padding: 0 1px; }
.rag-abstain { border-left: 4px solid #9ca3af; padding: .3em .6em; font-style: italic;
  color: var(--body-text-color-subdued); }
.rag-error { border-left: 4px solid #dc2626; padding: .3em .6em; }
.rag-unsure { border-left: 4px solid #d97706; padding: .3em .6em; margin-top: .5em; }
.rag-alternatives .rag-source { opacity: .85; }
.rag-badge { font-style: normal; font-size: .75em; font-weight: 600; text-transform: uppercase;
  letter-spacing: .04em; border-radius: 4px; padding: 1px 6px; margin-right: 6px;
  background: #e5e7eb; color: #374151; }
.rag-note { font-size: .85em; color: var(--body-text-color-subdued); margin-top: .3em; }
.rag-draft { white-space: pre-wrap; }
.rag-revisions { font-size: .85em; margin-top: .4em; }
#rag-panel { max-height: 640px; overflow-y: auto; }
.rag-pane { margin-bottom: .8em; }
.rag-pane-q { font-weight: 600; font-size: .92em;
  border-bottom: 1px solid var(--border-color-primary); }
.rag-panel-title { font-weight: 700; margin-bottom: .3em; }
.rag-panel-empty { color: var(--body-text-color-subdued); font-size: .9em; padding: .5em; }
/* wide screens: the sources sit beside the conversation; narrow: under each answer */
@media (min-width: 1100px) { #rag-chat .rag-sources { display: none; } }
@media (max-width: 1099px) { .rag-side { display: none !important; } }
/* phones: the question box takes the whole width (its placeholder whole), Ask under it */
@media (max-width: 600px) {
  #rag-question-row { flex-wrap: wrap; }
  #rag-question-row > * { flex: 1 1 100% !important; min-width: 100% !important; }
}
"""

#: After Enter or Ask (the page script has already moved the question into the page's
#: pending list, ``window.ragQueue``): hand that list to the server, and say what waits.
TAKE = """(pending, waiting) => {
  const queue = window.ragQueue || [];
  const busy = document.querySelector("#rag-chat .rag-draft");
  if (!busy || !queue.length) return [[...queue], waiting];
  const shown = document.createElement("span");
  shown.textContent = `Asked next: ${queue[queue.length - 1]}`;
  return [[...queue], shown.outerHTML];
}"""

#: "New conversation": the page's pending list starts again too.
FORGET = "() => { window.ragQueue = []; }"

#: After an example fills the question box: press Ask, so the example is asked through the
#: same event as a typed question (and waits its turn like one).
PRESS_ASK = "() => { document.querySelector('#rag-ask')?.click(); }"

#: The page's script: no question is lost (below), and clicking a ``[n]`` marker scrolls its
#: source into view and flashes it.
HEAD = """
<script>
// No question is lost: Enter in the question box or a click on Ask moves the question into
// the page's pending list and empties the box at once, before Gradio's own handler runs
// (it reads the box asynchronously: a question typed fast after another could be read in
// its place). The server answers the list in order (TAKE here, then answer_pending in
// ui/events.py).
function ragTake() {
  const box = document.querySelector("#rag-question textarea");
  const question = box ? box.value.trim() : "";
  if (!question) return;
  (window.ragQueue = window.ragQueue || []).push(question);
  box.value = "";
  box.dispatchEvent(new Event("input", {bubbles: true}));
}
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  if (event.target.closest && event.target.closest("#rag-question")) ragTake();
}, true);
document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("#rag-ask")) ragTake();
}, true);
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.rag-cite");
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const id = link.dataset.target || (link.getAttribute("href") || "").slice(1);
  // the side panel's copy when it is shown (wide screens), else the one under the answer
  const pane = document.getElementById(id.replace("rag-src-", "rag-pane-"));
  const source = pane && pane.offsetParent !== null ? pane : document.getElementById(id);
  if (!source) return;
  source.scrollIntoView({behavior: "smooth", block: "center"});
  source.classList.add("rag-flash");
  setTimeout(() => source.classList.remove("rag-flash"), 1600);
}, true);
</script>
"""


def theme() -> Any:
    """The default theme with the system's fonts: nothing is fetched from the internet."""
    import gradio as gr

    fonts = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    return gr.themes.Default(font=fonts, font_mono=mono)
