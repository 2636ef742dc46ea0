// Added by storyblog's preview server, never written to the output.
(() => {
  const events = new EventSource("/_storyblog/events?generation=GENERATION");
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("problems", (event) => {
    let overlay = document.getElementById("storyblog_problems");
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "storyblog_problems";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:auto 1rem 1rem 1rem;z-index:2147483647;max-height:60vh;" +
        "overflow:auto;padding:1rem 1.25rem;border-radius:.5rem;background:#2b0f0f;" +
        "color:#ffe9e4;font:15px/1.5 ui-monospace,Menlo,Consolas,monospace;" +
        "box-shadow:0 .5rem 2rem rgba(0,0,0,.4)";
      document.body.append(overlay);
    }
    const heading = document.createElement("p");
    heading.style.cssText = "margin:0 0 .5rem;font:700 16px/1.4 system-ui,sans-serif";
    heading.textContent =
      "The blog could not be rebuilt. Fix this and save: the page reloads by itself.";
    const list = document.createElement("pre");
    list.style.cssText = "margin:0;white-space:pre-wrap";
    list.textContent = JSON.parse(event.data).join("\n");
    overlay.replaceChildren(heading, list);
  });
})();
