// ICD-10 chapter picker and code search for the health declaration form.
// The datalist is filled by the server at first; this narrows it by chapter and search text
// through a POST to /clients/icd10/. Option text is set with textContent only (never innerHTML).
"use strict";
(function () {
  const form = document.querySelector("form[data-icd10-url]");
  const list = document.getElementById("icd10-options");
  if (!form || !list) {
    return;
  }
  const url = form.dataset.icd10Url;
  const tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  const csrfToken = tokenInput ? tokenInput.value : "";
  let timer = null;

  function fill(results) {
    list.replaceChildren();
    for (const item of results) {
      const option = document.createElement("option");
      option.value = item.code;
      option.textContent = item.code + " " + item.title;
      list.appendChild(option);
    }
  }

  function search(row) {
    const chapter = row.querySelector("[data-icd10-chapter]");
    const code = row.querySelector("[data-icd10-search]");
    // POST: what is typed here is health data and must stay out of URLs and access logs.
    const body = new URLSearchParams({ q: code ? code.value : "", chapter: chapter ? chapter.value : "" });
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { fill(data.results || []); })
      .catch(function () { /* keep the current options */ });
  }

  document.querySelectorAll("[data-condition-row]").forEach(function (row) {
    const chapter = row.querySelector("[data-icd10-chapter]");
    const code = row.querySelector("[data-icd10-search]");
    if (chapter) {
      chapter.addEventListener("change", function () { search(row); });
    }
    if (code) {
      code.addEventListener("focus", function () { search(row); });
      code.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { search(row); }, 250);
      });
    }
  });
})();
