// Text that grows at its end. `append` adds only the new part to the page, so live output does not re-render the
// whole page the way a changed element does; a new `rev` (first render, or a rewrite) replaces the text. An append
// meant for an earlier revision is ignored: the replacement already holds its text.
// Appends arrive as `aodAppend([id, more, rev])` in NiceGUI's `run_javascript` messages, in order with the page's
// other messages (and replayed with them after a short reconnect). NiceGUI runs such code with `eval`, and the browser
// keeps what it compiled for each distinct piece of code: a page appending for hours grew by about 400 bytes per
// push. `runJavascript` is wrapped here to read these calls as JSON instead; without the wrapper the code still runs.
const PREFIX = "aodAppend(";
window.aodAppend = ([id, more, rev]) => getElement(id)?.append(more, rev);
if (typeof window.runJavascript === "function" && !window.runJavascript.aodAppends) {
  const evaluate = window.runJavascript;
  window.runJavascript = (code, request_id) => {
    if (!request_id && code.startsWith(PREFIX) && code.endsWith(")")) {
      window.aodAppend(JSON.parse(code.slice(PREFIX.length, -1)));
      return;
    }
    return evaluate(code, request_id);
  };
  window.runJavascript.aodAppends = true;
}

export default {
  template: "<div></div>",
  props: { text: { type: String, default: "" }, rev: { type: Number, default: 0 } },
  mounted() {
    this.$el.textContent = this.text;
  },
  watch: {
    rev() {
      this.$el.textContent = this.text;
    },
  },
  methods: {
    append(more, rev) {
      if (rev === this.rev) this.$el.append(more);
    },
  },
};
