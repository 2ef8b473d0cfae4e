// Staff console: copy buttons beside addresses (no inline script: the CSP forbids it).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.pm-copy");
  if (!button) return;
  const text = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API (plain http): select the text so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(button.previousElementSibling);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return;
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1200);
});
