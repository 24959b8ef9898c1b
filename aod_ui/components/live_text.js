// Text that grows at its end. `append` adds only the new part to the page, so live output does not re-render the
// whole page the way a changed element does; a new `rev` (first render, or a rewrite) replaces the text. An append
// meant for an earlier revision is ignored: the replacement already holds its text.
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
