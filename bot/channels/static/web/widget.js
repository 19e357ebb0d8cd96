/* 维权向导 chat page. Plain JavaScript, no build step, no dependencies.
 *
 * Talks to the web channel next to this file: POST session (a server-signed key), then
 * POST webhook and GET history with the key in the X-Chat-Session header (never in the URL).
 * The key lives in sessionStorage (gone when the tab closes) and comes back renewed with
 * every answer; after a long pause it expires and a new conversation starts.
 * Every text from the bot or the user is inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "complaint-guide:web:session";
  var SESSION_HEADER = "X-Chat-Session";
  var DRAFT_MIN_CHARS = 120;
  var DRAFT_LINE = /^(订单号|关联订单号|运单号|投诉人)[：:]/m;
  // The server's cap (MAX_MESSAGE_CHARS), written into the page it serves.
  var MAX_CHARS = parseInt(document.body.getAttribute("data-max-chars"), 10) || 2000;
  var ERRORS = {
    message_too_long: "消息太长了（最多 " + MAX_CHARS + " 字），请分几次发送。",
    missing_message: "消息不能为空。",
    not_ready: "助手正在启动，请稍后再试。",
    timeout: "助手回复超时了，请再发一次。",
    session_expired: "这段对话闲置太久已经结束，已为你开始新的对话，请再说一次。",
    delete_failed: "记录没能删除，请稍后再试，或发送“删除我的记录”。",
    network: "网络连接失败，请检查网络后重试。",
    generic: "出错了，请稍后再试。"
  };

  var log = document.getElementById("cg-log");
  var form = document.getElementById("cg-form");
  var input = document.getElementById("cg-input");
  var sendButton = document.getElementById("cg-send");
  var typing = document.getElementById("cg-typing");
  var newButton = document.getElementById("cg-new");
  var closeButton = document.getElementById("cg-close");

  var memoryStore = {};
  var queue = Promise.resolve();
  var pending = 0;

  // --- session key -------------------------------------------------------------------

  function storageGet(key) {
    try { return window.sessionStorage.getItem(key); } catch (e) { return memoryStore[key] || null; }
  }

  function storageSet(key, value) {
    try { window.sessionStorage.setItem(key, value); } catch (e) { memoryStore[key] = value; }
  }

  function sessionKey() {
    return storageGet(STORAGE_KEY) || "";
  }

  function keepRenewedKey(res) {
    var renewed = res.headers.get(SESSION_HEADER);
    if (renewed) { storageSet(STORAGE_KEY, renewed); }
  }

  function newSession() {
    return fetch("session", { method: "POST", credentials: "same-origin" }).then(function (res) {
      if (!res.ok) { throw new Error("generic"); }
      return res.json();
    }).then(function (data) {
      storageSet(STORAGE_KEY, data.session);
      if (!reminderLabels) { pollReminders(); }
      return data.session;
    }, function () { throw new Error("network"); });
  }

  function call(method, path, body) {
    var headers = {};
    headers[SESSION_HEADER] = sessionKey();
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      keepRenewedKey(res);
      return res.json().then(function (data) {
        if (!res.ok) {
          var error = new Error((data && data.error) || "generic");
          error.status = res.status;
          throw error;
        }
        return data;
      }, function () { throw new Error("generic"); });
    }, function () { throw new Error("network"); });
  }

  // --- rendering ---------------------------------------------------------------------

  function isDraft(text) {
    return typeof text === "string" && (text.length > DRAFT_MIN_CHARS || DRAFT_LINE.test(text));
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function clearQuickReplies() {
    var groups = log.querySelectorAll(".cg-buttons");
    for (var i = 0; i < groups.length; i++) { groups[i].parentNode.removeChild(groups[i]); }
  }

  function addRow(kind) {
    var row = document.createElement("div");
    row.className = "cg-row cg-row-" + kind;
    log.appendChild(row);
    return row;
  }

  function addUserBubble(text) {
    var row = addRow("user");
    var bubble = document.createElement("div");
    bubble.className = "cg-bubble";
    bubble.textContent = text;
    row.appendChild(bubble);
    scrollToEnd();
  }

  function addErrorBubble(text) {
    var row = addRow("error");
    row.classList.add("cg-row-bot");
    var bubble = document.createElement("div");
    bubble.className = "cg-bubble";
    bubble.setAttribute("role", "alert");
    bubble.textContent = text;
    row.appendChild(bubble);
    scrollToEnd();
  }

  // The case file came as a chat message; its PDF is fetched with the session key (never
  // in the URL) and saved as a file.
  function caseFileButton() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cg-download";
    button.textContent = "下载案件材料（PDF）";
    button.addEventListener("click", function () {
      download(button, "case-file.pdf", "案件材料.pdf");
    });
    return button;
  }

  // A file of the session's own conversation, fetched with its key and saved as ``name``.
  function download(button, path, name) {
    button.disabled = true;
    var headers = {};
    headers[SESSION_HEADER] = sessionKey();
    fetch(path, { headers: headers, credentials: "same-origin" }).then(function (res) {
      keepRenewedKey(res);
      if (!res.ok) { throw new Error("generic"); }
      return res.blob();
    }).then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = name;
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    }, function () {
      addErrorBubble(ERRORS.generic);
    }).then(function () { button.disabled = false; });
  }

  // --- reminders: the tools under dated limits, the poll, browser notifications -------

  // Labels come from the server (data/channels/reminders.yml) with the first poll.
  var reminderLabels = null;
  var REMINDER_POLL_MS = 60000;

  function saveCalendar(button) {
    download(button, "calendar.ics", "deadlines.ics");
  }

  function askNotificationPermission() {
    if (!("Notification" in window) || Notification.permission !== "default") { return; }
    try { Notification.requestPermission(); } catch (e) { /* old browsers: no prompt */ }
  }

  // The tools under dated limits; under a reply that just set reminders, the calendar only.
  function reminderTools(reminded) {
    var tools = document.createElement("div");
    tools.className = "cg-tools cg-reminder-tools";
    var remind = document.createElement("button");
    remind.type = "button";
    remind.className = "cg-remind";
    remind.textContent = reminderLabels.remind;
    remind.addEventListener("click", function () {
      askNotificationPermission();
      send(reminderLabels.remind);
    });
    var save = document.createElement("button");
    save.type = "button";
    save.className = "cg-calendar";
    save.textContent = reminderLabels.calendar;
    save.addEventListener("click", function () { saveCalendar(save); });
    if (!reminded) { tools.appendChild(remind); }
    tools.appendChild(save);
    return tools;
  }

  function showReminder(reminder) {
    var row = addRow("bot");
    row.classList.add("cg-row-reminder");
    var bubble = document.createElement("div");
    bubble.className = "cg-bubble cg-bubble-reminder";
    bubble.setAttribute("role", "status");
    bubble.textContent = reminder.text;
    row.appendChild(bubble);
    scrollToEnd();
    if ("Notification" in window && Notification.permission === "granted" && reminderLabels) {
      try { new Notification(reminderLabels.notification_title, { body: reminder.text }); }
      catch (e) { /* shown in the chat already */ }
    }
  }

  function pollReminders() {
    if (!sessionKey()) { return Promise.resolve(); }
    return call("GET", "reminders").then(function (data) {
      if (data && data.labels) { reminderLabels = data.labels; }
      (data && Array.isArray(data.reminders) ? data.reminders : []).forEach(showReminder);
    }, function () { /* tried again at the next poll */ });
  }

  function addBotMessage(message, withButtons) {
    if (message.custom && message.custom.case_file === "pdf") {
      addRow("bot").appendChild(caseFileButton());
      scrollToEnd();
      return;
    }
    var calendar = message.custom && Array.isArray(message.custom.calendar)
      && message.custom.calendar.length && reminderLabels;
    if (calendar && !(typeof message.text === "string" && message.text.length)) {
      addRow("bot").appendChild(reminderTools(message.custom.reminded === true));
      scrollToEnd();
      return;
    }
    var hasText = typeof message.text === "string" && message.text.length > 0;
    var image = typeof message.image === "string" && /^https?:\/\//i.test(message.image)
      ? message.image : null;
    var buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (!hasText && !image && !buttons.length) { return; }

    var row = addRow("bot");
    if (hasText) {
      var bubble = document.createElement("div");
      bubble.className = "cg-bubble";
      bubble.textContent = message.text;
      row.appendChild(bubble);
      if (isDraft(message.text)) {
        bubble.classList.add("cg-bubble-draft");
        row.appendChild(copyTools(message.text));
      }
    }
    if (image) {
      var frame = document.createElement("div");
      frame.className = "cg-bubble";
      var img = document.createElement("img");
      img.src = image;
      img.alt = "图片";
      img.referrerPolicy = "no-referrer";
      frame.appendChild(img);
      row.appendChild(frame);
    }
    if (buttons.length && withButtons) {
      row.appendChild(quickReplies(buttons));
    }
    if (calendar) { row.appendChild(reminderTools(message.custom.reminded === true)); }
    scrollToEnd();
  }

  function quickReplies(buttons) {
    var group = document.createElement("div");
    group.className = "cg-buttons";
    buttons.forEach(function (button) {
      if (!button || typeof button.payload !== "string") { return; }
      var title = typeof button.title === "string" && button.title ? button.title : button.payload;
      var el = document.createElement("button");
      el.type = "button";
      el.className = "cg-quick";
      el.textContent = title;
      el.addEventListener("click", function () {
        send(button.payload, { display: title });
      });
      group.appendChild(el);
    });
    return group;
  }

  // --- copy --------------------------------------------------------------------------

  function copyTools(text) {
    var tools = document.createElement("div");
    tools.className = "cg-tools";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cg-copy";
    button.textContent = "复制";
    button.title = "复制这段文字";
    button.addEventListener("click", function () {
      copyText(text).then(function (via) {
        button.dataset.copiedVia = via;
        button.classList.add("cg-copied");
        button.textContent = "已复制";
        window.setTimeout(function () {
          button.classList.remove("cg-copied");
          button.textContent = "复制";
        }, 2000);
      }, function () {
        button.dataset.copiedVia = "failed";
        button.textContent = "复制失败，请手动选择文字";
      });
    });
    tools.appendChild(button);
    return tools;
  }

  function copyWithTextarea(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    area.setSelectionRange(0, text.length);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function copyText(text) {
    function fallback() {
      return copyWithTextarea(text) ? Promise.resolve("fallback") : Promise.reject(new Error("copy"));
    }
    if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return "clipboard"; }, fallback);
    }
    return fallback();
  }

  // --- talking to the channel --------------------------------------------------------

  function setBusy(delta) {
    pending += delta;
    typing.hidden = pending === 0;
    sendButton.disabled = pending > 0;
    if (pending > 0) { scrollToEnd(); }
  }

  function errorText(code) {
    return ERRORS[code] || ERRORS.generic;
  }

  function postMessage(body) {
    return call("POST", "webhook", body).then(function (data) {
      return Array.isArray(data) ? data : [];
    });
  }

  function clearLog() {
    while (log.firstChild) { log.removeChild(log.firstChild); }
  }

  // A new session and the greeting (the old conversation stays on the server unless the
  // user chose to delete it).
  function restart() {
    clearLog();
    setBusy(1);
    queue = queue.then(function () { return newSession(); }).then(function () {
      return postMessage({ message: "/greet", hidden: true });
    }).then(function (messages) {
      messages.forEach(function (m) { addBotMessage(m, true); });
    }, function (error) {
      addErrorBubble(errorText(error.message));
    }).then(function () { setBusy(-1); });
    return queue;
  }

  // Messages go out one after another, so replies stay in order.
  function send(text, options) {
    options = options || {};
    if (typeof text !== "string" || !text.trim()) { return queue; }
    if (text.length > MAX_CHARS) {
      addErrorBubble(ERRORS.message_too_long);
      return queue;
    }
    clearQuickReplies();
    if (!options.hidden) { addUserBubble(options.display || text); }
    var body = { message: text };
    if (options.display) { body.display = options.display; }
    if (options.hidden) { body.hidden = true; }
    setBusy(1);
    queue = queue.then(function () {
      return postMessage(body).then(function (messages) {
        messages.forEach(function (m) { addBotMessage(m, true); });
      }, function (error) {
        if (error.status === 401) {
          clearLog();
          addErrorBubble(ERRORS.session_expired);
          return newSession().then(function () {
            return postMessage({ message: "/greet", hidden: true });
          }).then(function (messages) {
            messages.forEach(function (m) { addBotMessage(m, true); });
          }, function (again) { addErrorBubble(errorText(again.message)); });
        }
        addErrorBubble(errorText(error.message));
      });
    }).then(function () { setBusy(-1); });
    return queue;
  }

  function loadHistory() {
    if (!sessionKey()) { return Promise.resolve(null); }
    return call("GET", "history").then(function (messages) {
      return Array.isArray(messages) ? messages : [];
    }, function () { return null; });  // expired or unknown: a new session
  }

  function renderHistory(messages) {
    var lastUser = -1;
    messages.forEach(function (m, i) { if (m.sender === "user") { lastUser = i; } });
    messages.forEach(function (m, i) {
      if (m.sender === "user" && m.upload && hooks.showUpload) {
        hooks.showUpload(m.upload);
      } else if (m.sender === "user") {
        addUserBubble(m.text);
      } else {
        addBotMessage(m, i > lastUser);
      }
    });
  }

  function start() {
    setBusy(1);
    window.setInterval(pollReminders, REMINDER_POLL_MS);
    return pollReminders().then(loadHistory).then(function (messages) {
      setBusy(-1);
      if (messages && messages.length) {
        renderHistory(messages);
      } else if (messages) {
        return send("/greet", { hidden: true });
      } else {
        return restart();
      }
    });
  }

  // --- a new conversation: keep or delete the old one -----------------------------------

  function offerDeletion() {
    if (document.getElementById("cg-new-choice")) { return; }
    var row = addRow("bot");
    row.id = "cg-new-choice";
    var bubble = document.createElement("div");
    bubble.className = "cg-bubble";
    bubble.setAttribute("role", "alertdialog");
    bubble.textContent = "开始新对话前，要删除刚才这段对话的记录吗？删除后无法恢复。";
    row.appendChild(bubble);
    var group = document.createElement("div");
    group.className = "cg-buttons";
    [["删除记录并开始新对话", "delete"], ["保留记录，开始新对话", "keep"], ["取消", "cancel"]]
      .forEach(function (choice) {
        var el = document.createElement("button");
        el.type = "button";
        el.className = "cg-quick cg-choice";
        el.textContent = choice[0];
        el.addEventListener("click", function () { chooseNew(choice[1], row); });
        group.appendChild(el);
      });
    row.appendChild(group);
    scrollToEnd();
  }

  function chooseNew(choice, row) {
    if (choice === "cancel") { row.parentNode.removeChild(row); return; }
    if (choice === "keep") { restart(); return; }
    setBusy(1);
    call("DELETE", "session").then(function () {
      setBusy(-1);
      restart();
    }, function (error) {
      setBusy(-1);
      row.parentNode.removeChild(row);
      addErrorBubble(error.status === 401 ? ERRORS.session_expired : ERRORS.delete_failed);
      if (error.status === 401) { restart(); }
    });
  }

  // --- wiring ------------------------------------------------------------------------

  function autoResize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 140) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (pending > 0) { return; }
    var text = input.value;
    if (!text.trim()) { return; }
    input.value = "";
    autoResize();
    send(text);
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; never while an IME is composing (拼音输入).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); }
      else { form.dispatchEvent(new Event("submit", { cancelable: true })); }
    }
  });
  input.addEventListener("input", autoResize);

  newButton.addEventListener("click", function () {
    if (pending > 0) { return; }
    if (!log.querySelector(".cg-row-user")) { restart(); return; }  // nothing said yet
    offerDeletion();
  });

  var params = new URLSearchParams(window.location.search);
  if (params.get("embed") === "1" && window.parent !== window) {
    document.documentElement.classList.add("cg-embedded");
    closeButton.hidden = false;
    closeButton.addEventListener("click", function () {
      window.parent.postMessage({ type: "complaint-guide:close" }, "*");
    });
  }

  // uploads.js (evidence images) uses these; it sets hooks.showUpload for the history.
  var hooks = {};
  function enqueue(step) {
    setBusy(1);
    queue = queue.then(step).then(function () { setBusy(-1); }, function () { setBusy(-1); });
    return queue;
  }
  window.complaintGuide = {
    send: send, sessionKey: sessionKey, isDraft: isDraft, hooks: hooks, enqueue: enqueue,
    addRow: addRow, addBotMessage: addBotMessage, addErrorBubble: addErrorBubble,
    clearQuickReplies: clearQuickReplies, keepRenewedKey: keepRenewedKey,
    scrollToEnd: scrollToEnd, sessionHeader: SESSION_HEADER, errorText: errorText,
    pollReminders: pollReminders
  };
  start();
})();
