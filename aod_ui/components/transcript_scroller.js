// The transcript's scrolling box, kept at its end while the reader is there and sized to the window.
//
// Following happens here, in the browser, whenever the box's content changes, with no message from the server: a
// reader who scrolls up (wheel, touch, keys, the scroll bar) stays where they are and the server hears `follow`
// with `on: false` (the page then holds the transcript still and says so); back at the bottom, `on: true`.
// Sizing: the box takes the window's height minus what is above it and what must stay in view below it (the element
// named by `keep`, the follow-up box), so the newest lines and the follow-up box are on screen without scrolling the
// page; never less than `min` pixels or a third of the window (a phone's header is tall: there the page scrolls).
// The height goes into the `--aod-fit` property, which the element's style reads: Vue sets the style it was given
// again whenever the page re-renders, and would undo a height set here.
// While `paged` (the server moved the window back in history), the bottom of the box is not the live tail: reaching
// it does not follow (the page offers "Show later" and "Jump to latest" there).
export default {
  template: "<div><slot></slot></div>",
  props: {
    keep: { type: Number, default: null },
    min: { type: Number, default: 240 },
    paged: { type: Boolean, default: false },
  },
  mounted() {
    const box = this.$el;
    this.follow = true;
    this.told = true;
    this.userUntil = 0;
    const byUser = () => { this.userUntil = Date.now() + 600; };
    for (const kind of ["wheel", "touchmove", "pointerdown"]) box.addEventListener(kind, byUser, { passive: true });
    this.onKey = (event) => {
      const typing = event.target.closest && event.target.closest("input, textarea, [contenteditable]");
      if (!typing && ["PageUp", "PageDown", "ArrowUp", "ArrowDown", "Home", "End", " "].includes(event.key)) byUser();
    };
    window.addEventListener("keydown", this.onKey);
    box.addEventListener("scroll", () => {
      if (box.scrollHeight - box.scrollTop - box.clientHeight < 40) { if (!this.paged) this.setFollow(true); }
      else if (Date.now() < this.userUntil) this.setFollow(false); // only the reader stops following
    });
    let queued = false;
    this.changes = new MutationObserver(() => {
      if (!this.follow || queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; if (this.follow) this.toBottom(); });
    });
    this.changes.observe(box, { childList: true, subtree: true, characterData: true });
    this.fit = () => {
      const top = box.getBoundingClientRect().top + window.scrollY;
      const keep = this.keep === null ? null : document.getElementById(`c${this.keep}`);
      const below = keep ? Math.max(0, keep.getBoundingClientRect().bottom - box.getBoundingClientRect().bottom) : 0;
      const height = Math.max(this.min, window.innerHeight / 3, window.innerHeight - top - below - 16);
      if (Math.abs(box.offsetHeight - height) <= 1) return;
      box.style.setProperty("--aod-fit", `${Math.round(height)}px`); // Vue re-applies the element's own style
      if (this.follow) this.toBottom(); // a resized box keeps its end in view
    };
    this.sizes = new ResizeObserver(() => this.fit());
    this.sizes.observe(document.body);
    window.addEventListener("resize", this.fit);
    this.fit();
    this.toBottom();
  },
  watch: {
    paged(now) {
      const box = this.$el;
      if (!now && box.scrollHeight - box.scrollTop - box.clientHeight < 40) this.setFollow(true); // reached the tail
    },
  },
  unmounted() {
    this.changes?.disconnect();
    this.sizes?.disconnect();
    window.removeEventListener("resize", this.fit);
    window.removeEventListener("keydown", this.onKey);
  },
  methods: {
    setFollow(on) {
      this.follow = on;
      if (on !== this.told) {
        this.told = on;
        this.$emit("follow", { on });
      }
    },
    toBottom() {
      this.$el.scrollTop = this.$el.scrollHeight;
    },
    toEnd() {
      this.setFollow(true);
      this.toBottom();
    },
    toStart() {
      this.setFollow(false);
      this.$el.scrollTop = 0;
    },
  },
};
