// The dashboard's keyboard shortcuts, handled in the browser: `n` opens the New session page (only where the page
// says the person may launch), `/` puts the cursor in the list's search box.
// A key counts only when nobody is typing: not in a text field, a text area, a select, an editable element or a
// Quasar field (inputs with their own wrappers), not with Ctrl, Alt or Meta (the browser's own shortcuts), not
// while an input method composes a character, and not when another handler already used it. A focused button or
// tab does not swallow it, which the default keyboard element did: after a click on Mine/Team/All or a row, `n`
// did nothing.
const TYPING = "input, textarea, select, [contenteditable=''], [contenteditable='true'], .q-field, [role='textbox']";

function typing(target) {
  return target instanceof Element && target.closest(TYPING) !== null;
}

export default {
  template: "<span hidden></span>",
  props: { launch: { type: Boolean, default: false } },
  mounted() {
    this.handler = (event) => {
      if (event.defaultPrevented || event.isComposing || event.repeat) return;
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      if (typing(event.target) || typing(document.activeElement)) return;
      if (document.querySelector(".q-dialog")) return; // a dialog is open: keys belong to it
      if ((event.key === "n" || event.key === "N") && this.launch && !event.shiftKey) {
        event.preventDefault();
        window.location.assign("/new");
      } else if (event.key === "/") {
        const search = document.querySelector("input[data-search], [data-search] input");
        if (search) {
          event.preventDefault();
          search.focus();
        }
      }
    };
    document.addEventListener("keydown", this.handler);
  },
  unmounted() {
    document.removeEventListener("keydown", this.handler);
  },
};
