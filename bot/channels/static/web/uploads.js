/* 维权向导 chat page: evidence images (screenshots, photos). Plain JavaScript.
 *
 * Pick (the 图片 button, keyboard-usable), paste or drag JPG / PNG / WebP images, at most
 * 10 MB each. Each goes as the raw body of POST upload with the session key header; the
 * server checks it by content, stores it for this conversation only, reads it and answers
 * as the assistant. The preview is the local file; images of earlier turns are fetched
 * with the key (never in the URL) and shown from a blob URL.
 */
(function () {
  "use strict";

  var api = window.complaintGuide;
  if (!api) { return; }
  var TYPES = ["image/jpeg", "image/png", "image/webp"];
  var MAX_BYTES = 10 * 1024 * 1024;
  var TEXTS = {
    type: "只能发送 JPG、PNG 或 WebP 格式的图片。",
    size: "图片太大了：每张最多10MB。",
    failed: "图片没有发送成功，请稍后再试。"
  };

  var attach = document.getElementById("cg-attach");
  var picker = document.getElementById("cg-file");
  var input = document.getElementById("cg-input");
  var app = document.getElementById("cg-app");

  function imageBubble(name, source) {
    var row = api.addRow("user");
    var bubble = document.createElement("figure");
    bubble.className = "cg-bubble cg-upload";
    var img = document.createElement("img");
    img.alt = "上传的图片：" + name;
    img.className = "cg-upload-image";
    var caption = document.createElement("figcaption");
    caption.textContent = name;
    bubble.appendChild(img);
    bubble.appendChild(caption);
    row.appendChild(bubble);
    if (typeof source === "string") {
      fetchImage(source, img);
    } else {
      img.src = URL.createObjectURL(source);
    }
    api.scrollToEnd();
    return bubble;
  }

  function fetchImage(uploadId, img) {
    var headers = {};
    headers[api.sessionHeader] = api.sessionKey();
    fetch("uploads/" + encodeURIComponent(uploadId), { headers: headers, credentials: "same-origin" })
      .then(function (res) {
        api.keepRenewedKey(res);
        if (!res.ok) { throw new Error("missing"); }
        return res.blob();
      }).then(function (blob) {
        img.src = URL.createObjectURL(blob);
      }, function () { img.alt += "（已删除）"; });
  }

  function upload(file) {
    if (TYPES.indexOf(file.type) < 0) { api.addErrorBubble(TEXTS.type); return; }
    if (file.size > MAX_BYTES) { api.addErrorBubble(TEXTS.size); return; }
    api.clearQuickReplies();
    var bubble = imageBubble(file.name || "image", file);
    api.enqueue(function () {
      var headers = { "Content-Type": file.type, "X-File-Name": encodeURIComponent(file.name || "") };
      headers[api.sessionHeader] = api.sessionKey();
      return fetch("upload", { method: "POST", headers: headers, body: file, credentials: "same-origin" })
        .then(function (res) {
          api.keepRenewedKey(res);
          return res.json().then(function (data) { return { ok: res.ok, data: data }; });
        }).then(function (answer) {
          if (!answer.ok) {
            bubble.classList.add("cg-upload-refused");
            api.addErrorBubble((answer.data && answer.data.detail) || TEXTS.failed);
            return;
          }
          (answer.data.messages || []).forEach(function (m) { api.addBotMessage(m, true); });
        }, function () { api.addErrorBubble(TEXTS.failed); });
    });
  }

  function uploadAll(files) {
    for (var i = 0; i < files.length; i++) { upload(files[i]); }
  }

  attach.addEventListener("click", function () { picker.click(); });
  picker.addEventListener("change", function () {
    uploadAll(picker.files || []);
    picker.value = "";
    input.focus();
  });
  input.addEventListener("paste", function (event) {
    var files = (event.clipboardData && event.clipboardData.files) || [];
    if (files.length) { event.preventDefault(); uploadAll(files); }
  });
  app.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
      event.preventDefault();
      app.classList.add("cg-dropping");
    }
  });
  app.addEventListener("dragleave", function () { app.classList.remove("cg-dropping"); });
  app.addEventListener("drop", function (event) {
    app.classList.remove("cg-dropping");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      event.preventDefault();
      uploadAll(event.dataTransfer.files);
    }
  });

  api.hooks.showUpload = function (item) { imageBubble(item.name, item.id); };
  api.upload = upload;
})();
