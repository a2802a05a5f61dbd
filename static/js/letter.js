// Print buttons on printable pages (no inline script: the CSP allows only nonce'd files).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
