// Find in a session: marks every occurrence of the searched words in the shown part of the page with the CSS Custom
// Highlight API (ranges over the text as it is: nothing is inserted into the page, so no text becomes markup), marks
// the current match apart, and scrolls it into view. A scroll made here counts as the reader's own, so the page stops
// following the tail (see transcript_scroller.js).
window.aodFind = (rootId, words, targetId, line) => {
  const attempt = (tries) => {
    const root = document.getElementById("c" + rootId);
    const target = targetId === null ? null : document.getElementById("c" + targetId);
    if (!root || (targetId !== null && !target)) {
      if (tries < 40) setTimeout(() => attempt(tries + 1), 50);
      return;
    }
    if (!window.CSS || !CSS.highlights) return;
    const escape = (word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = words.length ? new RegExp(words.map(escape).join("|"), "gi") : null;
    const all = [], current = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node && pattern; node = walker.nextNode()) {
      const text = node.data;
      const inTarget = target !== null && target.contains(node);
      let from = 0, to = text.length;
      if (inTarget && line !== null) {  // a block of raw lines: only this line of it is the current match
        for (let i = 0; i < line && from >= 0; i++) from = text.indexOf("\n", from) + 1 || -1;
        to = from < 0 ? -1 : (text.indexOf("\n", from) + 1 || text.length + 1) - 1;
      }
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match && match[0].length; match = pattern.exec(text)) {
        const range = new Range();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        all.push(range);
        if (inTarget && match.index >= from && match.index < to) current.push(range);
      }
    }
    CSS.highlights.set("aod-find", new Highlight(...all));
    CSS.highlights.set("aod-find-current", new Highlight(...current));
    if (target === null) return;
    const box = root.closest(".aod-transcript");
    if (box) box.dispatchEvent(new WheelEvent("wheel"));
    const rect = (current[0] || target).getBoundingClientRect();
    if (box) {
      const outer = box.getBoundingClientRect();
      box.scrollTop += rect.top - outer.top - box.clientHeight / 3;
      if (outer.top < 0 || outer.bottom > window.innerHeight) box.scrollIntoView({ block: "nearest" });
    } else {
      window.scrollBy(0, rect.top - window.innerHeight / 3);
    }
  };
  attempt(0);
};
