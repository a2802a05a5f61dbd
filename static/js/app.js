// Application behaviour. Loaded with the page's CSP nonce; no inline scripts anywhere.
"use strict";
document.documentElement.dataset.appJs = "ready";
