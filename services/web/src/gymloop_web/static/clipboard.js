// "Copy": a button with data-copy="ID" puts the text of the element with that id on the clipboard and says so in
// the data-copy-status element next to it. A file of our own, as the pages allow no inline script.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector("[data-copy-status]");
  try {
    await navigator.clipboard.writeText(source.textContent);
    if (status) status.textContent = button.dataset.copied;
  } catch (error) {
    // No clipboard (an http page, a refused permission): select the text so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
});
