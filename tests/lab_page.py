"""One Chromium page driving JupyterLab, for the browser smoke tests (tests/test_browser.py).

Owns: `LabPage` (open a notebook, Run All through the menu, wait for the kernel, read error
outputs, measure the pictures in the outputs, scroll through, close the tab, press widget
buttons, move sliders, take screenshots) and how Chromium is started
(Debian's /usr/bin/chromium with the flags in CHROMIUM_ARGS; never `playwright install`).

Imports: playwright's sync API (the caller makes the page; TimeoutError is imported where
it is caught); nothing of microgpt's. The server is `lab_server`.
"""
import re
import secrets
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

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

JS_BUSY_OR_CHANGED = """([panel, before, sel]) => {
  const ind = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
  return (ind && ind.dataset.status === 'busy') || window.__snap(sel) !== before;
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


class LabPage:
    """One browser page on a LabServer."""

    def __init__(self, page, server):
        self.page, self.server = page, server
        self.current = None

    def open(self, name, timeout_ms=120_000):
        """Open notebook `name` (a file in the server's root) in a fresh workspace."""
        self.server.shutdown_kernels()
        self.page.goto(self.server.url(name))
        self.page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator",
                                    timeout=timeout_ms)
        # a kernel is attached (its name shows in the toolbar), or a dialog asks for one
        self.page.wait_for_function(JS_KERNEL_OR_DIALOG, arg=PANEL, timeout=timeout_ms)
        dialog = self.page.locator(".jp-Dialog")
        if dialog.count():          # "Select Kernel": accept the notebook's preferred kernel
            dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
            self.page.wait_for_function(JS_KERNEL_OR_DIALOG, arg=PANEL, timeout=timeout_ms)
        self.page.wait_for_function(JS_IDLE, arg=PANEL, timeout=timeout_ms)
        self.page.evaluate(JS_SNAPSHOT_DEF)
        self.current = name

    def menu(self, top, item):
        self.page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(
            rf"^{re.escape(top)}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(
            rf"^{re.escape(item)}$")).first.click()

    def run_all(self, timeout_ms):
        """Clear the saved outputs, then Run → Run All Cells, and wait for the end."""
        self.menu("Edit", "Clear Outputs of All Cells")
        self.page.wait_for_function(
            """(p) => ![...document.querySelectorAll(p + ' .jp-CodeCell .jp-InputArea-prompt')]
                .some(e => /\\d/.test(e.textContent))""", arg=PANEL, timeout=30_000)
        self.menu("Run", "Run All Cells")
        try:
            self.page.wait_for_function(JS_DONE, arg=[PANEL, STDERR], timeout=timeout_ms,
                                        polling=500)
        except Exception as e:      # playwright's TimeoutError: say what the page shows
            raise AssertionError(f"Run All did not finish in {timeout_ms / 1000:.0f} s: "
                                 f"{self.state()}") from e

    def state(self):
        """The kernel status, the cell prompts and any dialog, for failure messages."""
        return self.page.evaluate("""(p) => {
          const ind = document.querySelector(p + ' .jp-Notebook-ExecutionIndicator');
          const dlg = document.querySelector('.jp-Dialog');
          return {kernel: ind ? ind.dataset.status : 'no indicator',
                  prompts: [...document.querySelectorAll(p + ' .jp-CodeCell .jp-InputArea-prompt')]
                           .map(e => e.textContent.trim()).join(' '),
                  dialog: dlg ? dlg.innerText : null};
        }""", PANEL)

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
        self.page.wait_for_function(
            """(p) => [...document.querySelectorAll(p + ' .jp-OutputArea-output img')]
                       .every(i => i.complete)""", arg=PANEL, timeout=30_000)
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
        try:
            self.page.wait_for_selector(".jp-Dialog", timeout=2_000)
        except Exception:           # playwright's TimeoutError: no dialog, as it should be
            self.page.wait_for_selector(PANEL, state="detached", timeout=10_000)
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

    def _wait_for_change(self, cell_sel, before, timeout_ms):
        """The cell's output once the kernel has worked and it differs from `before`, or as
        it is when `timeout_ms` runs out (the caller's assert then says what did not change)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.page.wait_for_function(JS_BUSY_OR_CHANGED, arg=[PANEL, before, cell_sel],
                                        timeout=30_000, polling=100)
            self._wait_idle_and_changed(cell_sel, before, timeout_ms)
        except PlaywrightTimeout:
            pass
        return self.snapshot(cell_sel)

    def _wait_idle_and_changed(self, cell_sel, before, timeout_ms):
        self.page.wait_for_function(
            """([panel, before, sel]) => {
                const ind = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
                return ind && ind.dataset.status === 'idle' && window.__snap(sel) !== before;
            }""", arg=[PANEL, before, cell_sel], timeout=timeout_ms, polling=500)

    def button(self, text):
        return self.page.locator(f"{PANEL} button.jupyter-button", has_text=re.compile(
            rf"^\s*{re.escape(text)}\s*$"))

    def press_button(self, text, timeout_ms):
        """Click the widget button labelled `text`; return (output before, output after)."""
        button = self.button(text).first
        button.scroll_into_view_if_needed()
        cell = self._cell_of(button)
        before = self.snapshot(cell)
        button.click()
        return before, self._wait_for_change(cell, before, timeout_ms)

    def slider(self, description):
        label = re.compile(rf"^\s*{re.escape(description)}\s*$", re.I)
        return self.page.locator(f"{PANEL} .widget-slider").filter(
            has=self.page.locator(".widget-label", has_text=label))

    def move_slider(self, description, timeout_ms):
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
        return target, before, self._wait_for_change(cell, before, timeout_ms)
