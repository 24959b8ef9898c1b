// Keeps a transcript scrolled to its end while the reader is there, in the browser: whenever it changes, with no
// message from the server. A reader who scrolls up (wheel, touch, keys, the scroll bar) stays where they are, and the
// server hears of it (`aod_follow`) to show "Jump to latest" and hold the transcript still. SCROLLER is the
// scrolling element's id, put in by `TranscriptPanel`.
(() => {
  const start = () => {
    const box = document.getElementById('cSCROLLER');
    if (!box) { setTimeout(start, 50); return; }
    let follow = true, told = true, queued = false, userUntil = 0;
    const setFollow = (on) => {
      follow = on;
      if (on !== told) { told = on; emitEvent('aod_follow', {id: SCROLLER, on}); }
    };
    const toEnd = () => { box.scrollTop = box.scrollHeight; };
    (window.aodScrollToEnd = window.aodScrollToEnd || {})[SCROLLER] = () => { setFollow(true); toEnd(); };
    const byUser = () => { userUntil = Date.now() + 600; };
    for (const kind of ['wheel', 'touchmove', 'pointerdown']) box.addEventListener(kind, byUser, {passive: true});
    window.addEventListener('keydown', (event) => {
      const typing = event.target.closest && event.target.closest('input, textarea, [contenteditable]');
      if (!typing && ['PageUp', 'PageDown', 'ArrowUp', 'ArrowDown', 'Home', 'End', ' '].includes(event.key)) byUser();
    });
    box.addEventListener('scroll', () => {
      if (box.scrollHeight - box.scrollTop - box.clientHeight < 40) setFollow(true);
      else if (Date.now() < userUntil) setFollow(false);  // only the reader stops following, never new content
    });
    new MutationObserver(() => {
      if (!follow || queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; if (follow) toEnd(); });
    }).observe(box, {childList: true, subtree: true, characterData: true});
    toEnd();
  };
  start();
})()
