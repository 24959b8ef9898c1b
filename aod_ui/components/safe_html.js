// HTML made on the server by `aod_ui.markup` (escaped text, allowed tags only), put into the page as it is.
export default {
  template: "<div></div>",
  props: { html: { type: String, default: "" } },
  mounted() {
    this.$el.innerHTML = this.html;
  },
  watch: {
    html() {
      this.$el.innerHTML = this.html;
    },
  },
};
