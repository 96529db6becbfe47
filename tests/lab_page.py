"""One Chromium page driving JupyterLab, for the browser smoke tests (tests/test_browser.py).

Owns: `LabPage` (open a notebook, Run All through the menu, wait for the kernel, read error
outputs, measure the pictures in the outputs, scroll through, close the tab, press widget
buttons, move sliders, take screenshots), how Chromium is started (Debian's
/usr/bin/chromium with the flags in CHROMIUM_ARGS; never `playwright install`) and
`wait_for_progress`: every long wait (a kernel starting, Run All, the Train button, the
slider) waits as long as the page keeps making progress (cells completing, outputs
growing, the kernel changing state) and fails only after STALL_S seconds without any, or
past BOUND_S in all, saying where it stuck. A slow machine is never a failure.

Imports: playwright's sync API (the caller makes the page; TimeoutError is imported where
it is caught); nothing of microgpt's. The server is `lab_server`.
"""
import os
import re
import secrets
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# a quiet 2-core machine runs a chapter in 10-90 s, one cell in at most ~40 s; a busy one
# (load 12) 5-10 times slower: a stall of STALL_S with nothing new is a hang, not slowness
STALL_S = float(os.environ.get("MICROGPT_BROWSER_STALL_S", 900))
BOUND_S = float(os.environ.get("MICROGPT_BROWSER_BOUND_S", 4 * 3600))
POLL_MS = 5_000
ACTION_TIMEOUT_MS = 300_000       # one click, one page load: the page answers, if slowly

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

# true once the kernel is idle, no cell is queued or running, and every code cell has a count
# (or an error stopped Run All)
JS_DONE = """([panel, stderr]) => {
  const p = document.querySelector(panel);
  if (!p) return false;
  const ind = p.querySelector('.jp-Notebook-ExecutionIndicator');
  if (!ind || ind.dataset.status !== 'idle') return false;
  const prompts = [...p.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
      .map(e => e.textContent.trim());
  if (prompts.some(t => t.includes('*'))) return false;
  const errored = [...p.querySelectorAll(stderr)].some(e => /Traceback|Error/.test(e.textContent));
  return errored || (prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t)));
}"""

JS_IDLE = """(panel) => {
  const ind = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
  return !!ind && ind.dataset.status === 'idle';
}"""

JS_KERNEL_OR_DIALOG = """(panel) => {
  if (document.querySelector('.jp-Dialog')) return true;
  const name = document.querySelector(panel + ' .jp-Toolbar-kernelName');
  return !!name && /python/i.test(name.textContent);
}"""

JS_IDLE_AND_CHANGED = """([panel, before, sel]) => {
  const ind = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
  return !!ind && ind.dataset.status === 'idle' && window.__snap(sel) !== before;
}"""

# where the notebook is: the kernel's state, cells completed of all, the running cell (its
# number and first line) and how much output shows; any change in it is progress
JS_PROGRESS = """(panel) => {
  const p = document.querySelector(panel);
  if (!p) return {kernel: 'no notebook', done: 0, total: 0, running: null, output: 0};
  const ind = p.querySelector('.jp-Notebook-ExecutionIndicator');
  const name = p.querySelector('.jp-Toolbar-kernelName');
  const cells = [...p.querySelectorAll('.jp-CodeCell')];
  const prompt = c => (c.querySelector('.jp-InputArea-prompt') || {}).textContent || '';
  const run = cells.findIndex(c => prompt(c).includes('*'));
  const line = run < 0 ? '' : ((cells[run].querySelector('.jp-InputArea-editor') || {})
      .textContent || '').trim().split('\\n')[0].slice(0, 60);
  const outs = [...p.querySelectorAll('.jp-OutputArea-output')];
  return {kernel: (ind ? ind.dataset.status : 'no indicator') + ' ' +
                  (name ? name.textContent.trim() : ''),
          done: cells.filter(c => /\\[\\d+\\]/.test(prompt(c))).length, total: cells.length,
          running: run < 0 ? null : `code cell ${run + 1}: ${line}`,
          output: outs.reduce((n, o) => n + o.textContent.length, 0) +
                  1000 * p.querySelectorAll('.jp-OutputArea img').length,
          dialog: document.querySelector('.jp-Dialog') ? 'a dialog is open' : null};
}"""

# what a cell's output shows: images (by their data) and text, widget readouts excluded
JS_SNAPSHOT_DEF = """() => { window.__snap = (sel) => {
  const root = document.querySelector(sel);
  if (!root) return '';
  const imgs = [...root.querySelectorAll('.jp-OutputArea img')].map(i => i.src).join('|');
  const text = [...root.querySelectorAll('.jp-OutputArea-output')].map(o => {
    const c = o.cloneNode(true);
    c.querySelectorAll('.widget-readout, .widget-slider, button').forEach(w => w.remove());
    return c.textContent;
  }).join('\\n');
  return imgs + '#' + text;
}; }"""


# every output that shows a picture: its pictures (img, or an outermost svg, at least 24 px
# wide) with their width, whether they loaded, and the output area's width
JS_PICTURES = """(panel) => [...document.querySelectorAll(panel + ' .jp-OutputArea-output')]
  .map(o => {
    const pics = [...o.querySelectorAll('img, svg')]
      .filter(e => !(e.tagName.toLowerCase() === 'svg' && e.parentElement.closest('svg')))
      .map(e => ({tag: e.tagName.toLowerCase(), width: e.getBoundingClientRect().width,
                  loaded: e.tagName.toLowerCase() !== 'img' || (e.complete && e.naturalWidth > 0)}))
      .filter(e => e.width >= 24);
    return {mime: o.dataset.mimeType || '', pictures: pics, area: o.clientWidth,
            scroll: o.scrollWidth};
  }).filter(o => o.pictures.length)"""

JS_SCROLL = """async (panel) => {
  const box = document.querySelector(panel + ' .jp-WindowedPanel-outer')
           || document.querySelector(panel + ' .jp-Notebook');
  for (let y = 0; y <= box.scrollHeight; y += box.clientHeight / 2) {
    box.scrollTop = y;
    await new Promise(r => setTimeout(r, 50));
  }
  box.scrollTop = 0;
}"""


def wait_for_progress(is_done, progress, what, stall_s=STALL_S, bound_s=BOUND_S,
                      clock=time.monotonic):
    """Call is_done() (it waits up to POLL_MS itself) until it is true. Fail (AssertionError)
    only when progress() has not changed for stall_s seconds, or after bound_s in all; the
    message says what was waited for and where it stuck. Returns the seconds waited."""
    start = last_change = clock()
    last = progress()
    while not is_done():
        now, mark = clock(), progress()
        if mark != last:
            last, last_change = mark, now
        if isinstance(mark, dict) and str(mark.get("kernel", "")).startswith("dead"):
            raise AssertionError(f"{what}: the kernel died; the page shows {mark}")
        if now - last_change > stall_s:
            raise AssertionError(f"{what}: no progress for {now - last_change:.0f} s "
                                 f"(after {now - start:.0f} s in all); stuck at {mark}")
        if now - start > bound_s:
            raise AssertionError(f"{what}: still not done after {now - start:.0f} s "
                                 f"(the bound), though progressing; now at {mark}")
    return clock() - start


class LabPage:
    """One browser page on a LabServer."""

    def __init__(self, page, server):
        self.page, self.server = page, server
        self.current = None

    def _poll(self, js, arg):
        """is_done for wait_for_progress: wait up to POLL_MS for `js` to be true."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        def is_done():
            try:
                self.page.wait_for_function(js, arg=arg, timeout=POLL_MS, polling=250)
                return True
            except PlaywrightTimeout:
                return False
        return is_done

    def progress(self, cell_sel=None):
        """Where the page is (JS_PROGRESS), and the output of `cell_sel` when given."""
        from playwright.sync_api import Error as PlaywrightError
        try:
            mark = self.page.evaluate(JS_PROGRESS, PANEL)
            if cell_sel:
                mark["cell"] = self.snapshot(cell_sel)
        except PlaywrightError as e:    # the page is (re)loading: that is a state too
            mark = {"kernel": "no page", "error": str(e).splitlines()[0]}
        return mark

    def wait(self, js, arg, what, cell_sel=None):
        return wait_for_progress(self._poll(js, arg), lambda: self.progress(cell_sel),
                                 f"{self.current or 'the page'}: {what}")

    def open(self, name):
        """Open notebook `name` (a file in the server's root) in a fresh workspace."""
        self.server.shutdown_kernels()
        self.current = name
        self.page.goto(self.server.url(name), timeout=ACTION_TIMEOUT_MS)
        self.wait(f"() => !!document.querySelector('{PANEL} .jp-Notebook-ExecutionIndicator')",
                  None, "opening the notebook")
        # a kernel is attached (its name shows in the toolbar), or a dialog asks for one
        self.wait(JS_KERNEL_OR_DIALOG, PANEL, "starting the kernel")
        dialog = self.page.locator(".jp-Dialog")
        if dialog.count():          # "Select Kernel": accept the notebook's preferred kernel
            dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
            self.wait(JS_KERNEL_OR_DIALOG, PANEL, "starting the kernel")
        self.wait(JS_IDLE, PANEL, "the kernel becoming idle")
        self.page.evaluate(JS_SNAPSHOT_DEF)

    def menu(self, top, item):
        self.page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(
            rf"^{re.escape(top)}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(
            rf"^{re.escape(item)}$")).first.click()

    def run_all(self):
        """Clear the saved outputs, then Run → Run All Cells, and wait for the end (as long as
        cells keep completing: see wait_for_progress); returns the seconds Run All took."""
        self.menu("Edit", "Clear Outputs of All Cells")
        self.wait("""(p) => ![...document.querySelectorAll(p + ' .jp-CodeCell')]
                .some(c => /\\d/.test(c.querySelector('.jp-InputArea-prompt').textContent))""",
                  PANEL, "clearing the outputs")
        self.menu("Run", "Run All Cells")
        return self.wait(JS_DONE, [PANEL, STDERR], "Run All")

    def code_cell_count(self):
        return self.page.locator(f"{PANEL} .jp-CodeCell").count()

    def unexecuted_cells(self):
        prompts = self.page.locator(f"{PANEL} .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        return [i for i, t in enumerate(prompts) if not re.search(r"\[\d+\]", t)]

    def error_outputs(self):
        """Texts of the error (traceback) outputs and broken widget views on the page."""
        errors = [t for t in self.page.locator(f"{PANEL} {STDERR}").all_inner_texts()
                  if re.search(r"Traceback|Error", t)]
        errors += [t for t in self.page.locator(f"{PANEL} .jp-OutputArea-output")
                   .all_inner_texts() if "Error displaying widget" in t]
        return errors

    def pictures(self):
        """[{mime, pictures: [{tag, width, loaded}], area, scroll}] for every output that shows
        a picture, once every image has finished loading."""
        self.wait("""(p) => [...document.querySelectorAll(p + ' .jp-OutputArea-output img')]
                          .every(i => i.complete)""", PANEL, "loading the pictures")
        return self.page.evaluate(JS_PICTURES, PANEL)

    def is_dirty(self):
        """Whether the open notebook shows unsaved changes (its tab's dirty mark)."""
        return self.page.evaluate("() => !!document.querySelector('.lm-TabBar-tab.jp-mod-dirty')")

    def news_toast(self):
        """The text of any notification toast on the page ('' when none)."""
        return " ".join(self.page.locator(".Toastify__toast").all_inner_texts())

    def scroll_through(self):
        """Read the notebook as a person would: scroll to the end, half a screen at a time."""
        self.page.evaluate(JS_SCROLL, PANEL)

    def close_tab(self):
        """File → Close Tab; returns the text of a dialog that asks to save, or None."""
        self.menu("File", "Close Tab")
        self.wait(f"() => !!document.querySelector('.jp-Dialog') || "
                  f"!document.querySelector('{PANEL}')", None, "closing the tab")
        if not self.page.locator(".jp-Dialog").count():     # closed, no question: as it should
            self.current = None
            return None
        dialog = self.page.locator(".jp-Dialog")
        text = dialog.inner_text()
        dialog.locator(".jp-Dialog-button", has_text=re.compile("Cancel")).click()
        return text

    def screenshot(self, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))

    # --- widgets -----------------------------------------------------------------------

    def _cell_of(self, locator):
        """A CSS selector for the notebook cell holding `locator` (marks it with an id)."""
        mark = "cell-" + secrets.token_hex(4)
        locator.evaluate("(e, m) => e.closest('.jp-Cell').setAttribute('data-smoke', m)", mark)
        return f'{PANEL} .jp-Cell[data-smoke="{mark}"]'

    def snapshot(self, cell_sel):
        return self.page.evaluate("(s) => window.__snap(s)", cell_sel)

    def _wait_for_change(self, cell_sel, before, what):
        """The cell's output once the kernel is idle and it differs from `before`: waits while
        the kernel works and the output changes (wait_for_progress), fails after a stall."""
        self.wait(JS_IDLE_AND_CHANGED, [PANEL, before, cell_sel], what, cell_sel=cell_sel)
        return self.snapshot(cell_sel)

    def button(self, text):
        return self.page.locator(f"{PANEL} button.jupyter-button", has_text=re.compile(
            rf"^\s*{re.escape(text)}\s*$"))

    def press_button(self, text):
        """Click the widget button labelled `text`; return (output before, output after)."""
        button = self.button(text).first
        button.scroll_into_view_if_needed()
        cell = self._cell_of(button)
        before = self.snapshot(cell)
        button.click()
        return before, self._wait_for_change(cell, before, f"pressing {text}")

    def slider(self, description):
        label = re.compile(rf"^\s*{re.escape(description)}\s*$", re.I)
        return self.page.locator(f"{PANEL} .widget-slider").filter(
            has=self.page.locator(".widget-label", has_text=label))

    def move_slider(self, description):
        """Type a far-away value into the slider's readout; return (value, before, after)."""
        slider = self.slider(description).first
        slider.scroll_into_view_if_needed()
        handle = slider.locator(".noUi-handle").first
        lo, hi, now = (float(handle.get_attribute(a))
                       for a in ("aria-valuemin", "aria-valuemax", "aria-valuenow"))
        target = hi if now - lo < (hi - lo) / 2 else lo
        cell = self._cell_of(slider)
        before = self.snapshot(cell)
        readout = slider.locator(".widget-readout")
        readout.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(f"{target:g}")
        self.page.keyboard.press("Enter")
        return target, before, self._wait_for_change(cell, before,
                                                     f"moving {description} to {target:g}")
