#!/usr/bin/env python3
"""check_site.py — checks the generated Doxygen site the way a reader sees it.

    python3 tests/docs/check_site.py build/docs/html [--screenshot PAGE=PNG ...]

Contract: reads the site under HTML_DIR (never writes there) and exits 0 when all of this holds,
1 with one line per problem (page + what is wrong) otherwise:

1. Static, over every generated page: every internal link (<a href>, <link>, <script src>,
   <iframe src>, <img src>, <object data>) names a file that exists inside the site, and an
   `#anchor` exists in the target as an id= or name=; every picture (PNG, SVG, GIF, JPEG) is
   non-empty and parses (signature, or well-formed SVG XML); no Doxygen formula command
   (\\f$, \\f[, ...) is left in the text, which is what a formula in a Markdown heading gives.
2. In Debian's headless Chromium, for the main page and every page with a formula, each loaded
   in an iframe of a small wrapper page whose script writes what it finds into the DOM that
   `chromium --dump-dom` prints: MathJax finished and rendered every formula (one MathJax
   element per formula, no MathJax error), it loaded its files only from the site's own mathjax/
   folder and its web fonts loaded (the MathJax fonts installed on this machine are hidden from
   Chromium, as on a reader's machine without them); no raw TeX (\\frac, \\(, $$, ...) and no
   Markdown asterisks (`**`, or `*` stuck to a word in a guide page) are left in the text outside
   code; every <img> loaded and every SVG in an <iframe> or <object> (graphs, curves) loaded as SVG.

Exits 77 (ctest's SKIP_RETURN_CODE) when Chromium is not installed, unless $CI is set: then a
missing Chromium is a failure (scripts/setup.sh installs it). --screenshot PAGE=PNG also saves a
1280x2000 picture of PAGE (e.g. index.html) after MathJax ran. Standard library only.
"""
import argparse
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

SKIP = 77
PAGE_TIMEOUT_MS = 30000  # virtual time one page may take to load and typeset

# Text (outside code) that means a formula was not rendered or a command was not understood.
DOXYGEN_FORMULA = re.compile(r"\\f[$\[\]{}()]")
RAW_TEX = re.compile(r"\\f[$\[\]{}()]|\\[()\[\]]|\$\$|\\(?:frac|sum|partial|mathrm|mathsf|"
                     r"cdot|times|begin|end|left|right|sqrt)\b")
# A Markdown emphasis marker that Doxygen left as text: `*` glued to the start or end of a word
# (plain multiplication is written with spaces or inside code/formulas).
STRAY_EMPHASIS = re.compile(r"(?:^|(?<=[\s(\[\"']))\*+(?=[A-Za-z])"
                            r"|(?<=[A-Za-z.,;:!?)])\*+(?=[\s.,;:!?)]|$)")
# One formula as Doxygen writes it for MathJax: \( inline \), \[ display \], or a bare
# \begin{env} ... \end{env} (from \f{env}{ ... \f}); scanned left to right, so an environment
# inside \( \) or \[ \] is part of that formula.
FORMULA = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]|\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}", re.S)
# MathJax's progress messages fade out after a delay; anything else (a failed file, ...) is a fault.
PROGRESS = re.compile(r"^\s*(Typesetting|Processing|Loading) math")
SKIPPED_TEXT_TAGS = {"code", "pre", "script", "style", "textarea"}
SKIPPED_TEXT_CLASSES = {"fragment", "ttdeci", "ttdoc", "ttname", "ttdef", "line"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "param", "source", "track", "wbr"}


class PageParser(html.parser.HTMLParser):
    """Collects a page's anchors, references and its text outside code."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors = set()
        self.refs = []  # (tag, attribute, value)
        self.text_parts = []
        self.stack = []  # True where the element hides its text
        self.hidden = 0
        self.api_markers = 0  # elements only an API reference page has

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.anchors.add(a[key])
        classes = set((a.get("class") or "").split())
        if classes & {"memberdecls", "memitem", "summary"}:
            self.api_markers += 1
        for t, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"),
                        ("iframe", "src"), ("object", "data")):
            if tag == t and a.get(attr):
                self.refs.append((tag, attr, a[attr]))
        if tag in VOID_TAGS:
            return
        hides = tag in SKIPPED_TEXT_TAGS or bool(classes & SKIPPED_TEXT_CLASSES)
        self.stack.append(hides)
        self.hidden += hides

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.stack:
            self.hidden -= self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID_TAGS or not self.stack:
            return
        self.hidden -= self.stack.pop()

    def handle_data(self, data):
        if not self.hidden:
            self.text_parts.append(data)

    @property
    def is_guide_page(self):
        """A page written in Markdown (docs/*.md, exercises/*.md), not an API reference page."""
        return self.api_markers == 0

    @property
    def text(self):
        return "".join(self.text_parts)


def context(text, m, width=40):
    s = text[max(0, m.start() - width):m.end() + width]
    return " ".join(s.split())


def picture_problem(path):
    """None if the file is a non-empty, parseable picture, else what is wrong."""
    data = open(path, "rb").read()
    if not data:
        return "is empty"
    ext = os.path.splitext(path)[1].lower()
    if ext == ".png":
        return None if data.startswith(b"\x89PNG\r\n\x1a\n") else "is not a PNG (bad signature)"
    if ext == ".gif":
        return None if data[:6] in (b"GIF87a", b"GIF89a") else "is not a GIF (bad signature)"
    if ext in (".jpg", ".jpeg"):
        return None if data.startswith(b"\xff\xd8\xff") else "is not a JPEG (bad signature)"
    if ext == ".svg":
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            return f"is not well-formed SVG XML ({e})"
        return None if root.tag.rsplit("}", 1)[-1] == "svg" else f"has root <{root.tag}>, not <svg>"
    return None


def static_checks(site, pages):
    """Links, pictures and Doxygen commands in every page; returns (problems, parsed pages)."""
    problems = []
    parsed = {}
    for rel in pages:
        p = PageParser()
        with open(os.path.join(site, rel), encoding="utf-8", errors="replace") as f:
            p.feed(f.read())
        p.close()
        parsed[rel] = p
    anchor_cache = {}

    def anchors_of(path):
        if path not in anchor_cache:
            p = PageParser()
            with open(path, encoding="utf-8", errors="replace") as f:
                p.feed(f.read())
            anchor_cache[path] = p.anchors
        return anchor_cache[path]

    for rel, p in parsed.items():
        page_dir = os.path.dirname(os.path.join(site, rel))
        for m in DOXYGEN_FORMULA.finditer(p.text):
            problems.append(f"{rel}: Doxygen formula command left as text "
                            f"(a formula in a heading?): "
                            f"...{context(p.text, m)}...")
        for tag, attr, value in p.refs:
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value) or value.startswith("//"):
                continue  # http:, mailto:, javascript:, ... : not part of the site
            url = urllib.parse.urlsplit(value)
            target_rel = urllib.parse.unquote(url.path)
            target = os.path.normpath(os.path.join(page_dir, target_rel)) if target_rel else \
                os.path.join(site, rel)
            where = f"{rel}: <{tag} {attr}=\"{value}\">"
            if os.path.commonpath([site, target]) != site:
                problems.append(f"{where} points outside the site")
                continue
            if not os.path.isfile(target):
                problems.append(f"{where}: {os.path.relpath(target, site)} does not exist")
                continue
            if tag in ("img", "object") or (tag == "iframe" and target.endswith(".svg")):
                why = picture_problem(target)
                if why:
                    problems.append(f"{where}: the picture {why}")
            if url.fragment and target.endswith(".html"):
                if urllib.parse.unquote(url.fragment) not in anchors_of(target):
                    problems.append(f"{where}: no id/name \"{url.fragment}\" in "
                                    f"{os.path.relpath(target, site)}")
    return problems, parsed


WRAPPER = r"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>cnnlab site check</title></head><body>
<pre id="results">running</pre>
<script>
const PAGES = %(pages)s;
const SITE = %(site)s;
const PAGE_TIMEOUT_MS = %(timeout)d;
const results = {};
const out = document.getElementById('results');
function finish() { out.textContent = JSON.stringify(results); out.id = 'results-done'; }
function collect(page, frame, status) {
  const w = frame.contentWindow, d = frame.contentDocument, r = {status: status};
  const q = (sel) => Array.from(d.querySelectorAll(sel));
  r.math_scripts = q('script[type^="math/tex"]').length;
  r.math_rendered = q('span.MathJax').length;
  r.math_display = q('div.MathJax_Display').length;
  r.math_errors = q('.MathJax_Error, .merror, .noError').map(e => e.textContent.slice(0, 80));
  const msg = d.getElementById('MathJax_Message');
  r.mathjax_message = msg && msg.style.display !== 'none' ? msg.textContent : '';
  r.has_mathjax = !!w.MathJax;
  if (w.MathJax && w.MathJax.Ajax) {
    r.mathjax_files = Object.keys(w.MathJax.Ajax.loaded);
    const htmlcss = w.MathJax.OutputJax && w.MathJax.OutputJax['HTML-CSS'];
    r.font_in_use = htmlcss ? String(htmlcss.fontInUse) : '';
  }
  r.fonts = Array.from(d.fonts || []).map(f => [f.family, f.status]);
  r.images = Array.from(d.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]);
  r.svg_frames = q('iframe, object').map(f => {
    let root = '';
    try { root = f.contentDocument ? f.contentDocument.documentElement.nodeName : ''; }
    catch (e) { root = 'inaccessible: ' + e; }
    return [f.getAttribute('src') || f.getAttribute('data'), root, f.nodeName.toLowerCase()];
  });
  const body = d.body.cloneNode(true);
  body.querySelectorAll('script, style, pre, code, textarea, .fragment, .MathJax_Preview, ' +
                        '#MathJax_Message, #MathJax_Font_Test, .ttdeci, .ttdoc')
      .forEach(e => e.remove());
  r.text = body.textContent;
  results[page] = r;
}
function next(i) {
  if (i >= PAGES.length) { finish(); return; }
  const page = PAGES[i];
  const frame = document.createElement('iframe');
  frame.width = 1280; frame.height = 1000;
  let settled = false;
  const done = (status) => {
    if (settled) return;
    settled = true;
    try { collect(page, frame, status); } catch (e) { results[page] = {status: 'error: ' + e}; }
    frame.remove();
    next(i + 1);
  };
  const timer = setTimeout(() => done('timeout: MathJax or the page did not finish in ' +
                                      PAGE_TIMEOUT_MS + ' ms'), PAGE_TIMEOUT_MS);
  frame.onload = () => {
    const w = frame.contentWindow;
    if (!w.MathJax) { clearTimeout(timer); done('loaded'); return; }
    const poll = setInterval(() => {
      if (w.MathJax.isReady && w.MathJax.Hub) {
        clearInterval(poll);
        w.MathJax.Hub.Queue(() => { clearTimeout(timer); done('typeset'); });
      }
    }, 20);
  };
  frame.src = SITE + page;
  document.body.appendChild(frame);
}
next(0);
</script></body></html>
"""

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <cachedir>%s</cachedir>
  <!-- Hide Debian's fonts-mathjax from Chromium: the site must bring its own fonts. -->
  <selectfont><rejectfont><glob>*mathjax*</glob><glob>*MathJax*</glob></rejectfont></selectfont>
</fontconfig>
"""


class ResultsParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.data = []
        self.state = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "pre" and a.get("id") in ("results", "results-done"):
            self.inside = True
            self.state = a["id"]

    def handle_endtag(self, tag):
        if tag == "pre":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.data.append(data)


def chromium_env(tmp):
    env = dict(os.environ)
    conf = os.path.join(tmp, "fonts.conf")
    with open(conf, "w") as f:
        f.write(FONTS_CONF % html.escape(os.path.join(tmp, "fontcache")))
    env["FONTCONFIG_FILE"] = conf
    env["HOME"] = tmp  # Chromium writes its profile and crash dumps under $HOME
    return env


def chromium_args(chromium, tmp, budget_ms):
    return [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
            "--allow-file-access-from-files", f"--user-data-dir={os.path.join(tmp, 'profile')}",
            f"--virtual-time-budget={budget_ms}"]


def browser_checks(chromium, site, parsed, browse):
    problems = []
    with tempfile.TemporaryDirectory(prefix="cnnlab-site-") as tmp:
        wrapper = os.path.join(tmp, "wrapper.html")
        with open(wrapper, "w") as f:
            f.write(WRAPPER % {"pages": json.dumps(browse),
                               "site": json.dumps("file://" + urllib.parse.quote(site) + "/"),
                               "timeout": PAGE_TIMEOUT_MS})
        budget = PAGE_TIMEOUT_MS * (len(browse) + 1)
        cmd = chromium_args(chromium, tmp, budget) + ["--dump-dom", "file://" + wrapper]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=480,
                                 env=chromium_env(tmp))
        except subprocess.TimeoutExpired:
            return ["chromium did not finish within 480 s: " + " ".join(cmd)]
        rp = ResultsParser()
        rp.feed(run.stdout)
        if rp.state != "results-done":
            tail = "\n".join(run.stderr.strip().splitlines()[-5:])
            return [f"chromium (exit {run.returncode}) did not finish the wrapper page "
                    f"(state {rp.state!r}); its last messages:\n{tail}"]
        results = json.loads("".join(rp.data))

    mathjax_dir = "file://" + urllib.parse.quote(os.path.join(site, "mathjax")) + "/"
    print(f"{'page':<34} {'formulas':>8} {'rendered':>8} {'images':>7} {'graphs':>6}  result")
    for page in browse:
        r = results.get(page, {"status": "missing from the results"})
        p = parsed[page]
        expected = sum(1 for _ in FORMULA.finditer(p.text))
        bad = []
        if r["status"] not in ("typeset", "loaded"):
            bad.append(r["status"])
        else:
            if expected and not r["has_mathjax"]:
                bad.append(f"{expected} formulas but MathJax did not load")
            if r["math_scripts"] != expected or r["math_rendered"] != expected:
                bad.append(f"{expected} formulas in the HTML, MathJax found {r['math_scripts']} "
                           f"and rendered {r['math_rendered']}")
            for e in r["math_errors"]:
                bad.append(f"MathJax error: {e!r}")
            if r["mathjax_message"].strip() and not PROGRESS.match(r["mathjax_message"]):
                bad.append(f"MathJax message left on screen: {r['mathjax_message'].strip()!r}")
            for url in r.get("mathjax_files", []):
                if not url.startswith(mathjax_dir):
                    bad.append(f"MathJax loaded {url} from outside the site's mathjax/ folder")
            for family, status in r["fonts"]:
                if status == "error":
                    bad.append(f"web font {family} failed to load")
            for src, complete, width in r["images"]:
                if not complete or width == 0:
                    bad.append(f"<img src=\"{src}\"> did not load in the browser")
            for src, root, tag in r["svg_frames"]:
                if src and src.endswith(".svg") and root != "svg":
                    bad.append(f"<{tag} {'data' if tag == 'object' else 'src'}=\"{src}\"> did not "
                               f"load as SVG (got {root!r})")
            text = r["text"]
            for m in RAW_TEX.finditer(text):
                bad.append(f"raw TeX left in the text: ...{context(text, m)}...")
            for m in re.finditer(r"\*\*", text):
                bad.append(f"stray '**' in the text: ...{context(text, m)}...")
            if p.is_guide_page:
                for m in STRAY_EMPHASIS.finditer(text):
                    bad.append(f"stray emphasis '*' in the text: ...{context(text, m)}...")
        graphs = sum(1 for s, _, _ in r.get("svg_frames", []) if s and s.endswith(".svg"))
        note = ""
        if not bad and r.get("has_mathjax"):
            note = f" ({r['status']}, fonts: {r.get('font_in_use', '-')})"
        print(f"{page:<34} {expected:>8} {r.get('math_rendered', 0):>8} "
              f"{len(r.get('images', [])):>7} {graphs:>6}  {'FAIL' if bad else 'ok'}{note}")
        problems += [f"{page}: {b}" for b in bad]
    return problems


def screenshot(chromium, site, page, png):
    with tempfile.TemporaryDirectory(prefix="cnnlab-shot-") as tmp:
        cmd = chromium_args(chromium, tmp, 20000) + [
            f"--screenshot={os.path.abspath(png)}", "--window-size=1280,2000",
            "file://" + urllib.parse.quote(os.path.join(site, page))]
        subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=chromium_env(tmp))
    if not os.path.isfile(png) or picture_problem(png):
        return f"screenshot of {page} into {png} failed"
    print(f"screenshot: {page} -> {png}")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("html_dir", help="the generated site (build/docs/html)")
    ap.add_argument("--chromium", default=None, help="the browser (default: chromium on PATH)")
    ap.add_argument("--screenshot", action="append", default=[], metavar="PAGE=PNG",
                    help="also save a picture of PAGE (e.g. guide_backprop.html) to PNG")
    args = ap.parse_args()

    site = os.path.realpath(args.html_dir)
    if not os.path.isfile(os.path.join(site, "index.html")):
        print(f"check_site: {site}/index.html not found: build the docs first "
              f"(cmake --build build --target docs, or ctest -R docs_build)")
        return 1
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        ci = os.environ.get("CI", "") not in ("", "false")
        print("check_site: chromium is not installed (Debian: apt-get install chromium; "
              "scripts/setup.sh installs it)" + ("; $CI is set, so this is a failure" if ci
                                                  else ": SKIPPED"))
        return 1 if ci else SKIP

    pages = []
    for root, dirs, files in os.walk(site):
        dirs[:] = [d for d in dirs if os.path.join(root, d) != os.path.join(site, "mathjax")]
        pages += [os.path.relpath(os.path.join(root, f), site) for f in files
                  if f.endswith(".html")]
    pages.sort()
    problems, parsed = static_checks(site, pages)
    links = sum(len(p.refs) for p in parsed.values())
    print(f"static: {len(pages)} pages, {links} links/references checked, "
          f"{len(problems)} problem(s)")

    browse = ["index.html"] + [p for p in pages
                               if p != "index.html" and FORMULA.search(parsed[p].text)]
    print(f"browser: {chromium}, {len(browse)} pages (the main page and every page with a formula)")
    problems += browser_checks(chromium, site, parsed, browse)

    for spec in args.screenshot:
        page, _, png = spec.partition("=")
        why = screenshot(chromium, site, page, png)
        if why:
            problems.append(why)

    if problems:
        print(f"\ncheck_site: FAILED, {len(problems)} problem(s):")
        # The same fault on many pages (a broken shared icon, ...): shown 3 times, then counted.
        seen = {}
        for p in problems:
            what = p.split(": ", 1)[-1]
            seen[what] = seen.get(what, 0) + 1
            if seen[what] <= 3:
                print("  " + p)
        for what, n in seen.items():
            if n > 3:
                print(f"  ... and {n - 3} more page(s) with: {what}")
        return 1
    print("check_site: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
