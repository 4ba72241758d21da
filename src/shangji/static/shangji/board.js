// The pipeline board: native HTML5 drag and drop, and a "move to" select for phones.
// A move posts to the card's move URL; the answer carries the card and every column's figures.
(() => {
  "use strict";

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (error) {
      // fall back to the cookie
    }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function showMessage(element) {
    const area = document.getElementById("board-messages");
    if (area && element) area.replaceChildren(element);
  }

  function textMessage(text, level) {
    const p = document.createElement("p");
    p.className = `message ${level}`;
    p.textContent = text;
    return p;
  }

  function cardList(stageId) {
    const column = document.querySelector(`[data-board] [data-drop-stage="${stageId}"]`);
    return column ? column.querySelector("[data-cards]") : null;
  }

  // Cards are ordered by (close date, id): put `card` before the first one that sorts after it.
  function insertInOrder(list, card) {
    const key = (element) => [element.dataset.close, Number(element.dataset.id)];
    const [close, id] = key(card);
    for (const other of list.querySelectorAll(":scope > [data-card]")) {
      const [otherClose, otherId] = key(other);
      if (otherClose > close || (otherClose === close && otherId > id)) {
        list.insertBefore(card, other);
        return;
      }
    }
    const more = list.querySelector(":scope > .board-more");
    if (more) {
      // The card sorts after the loaded ones; the "more" page will bring it.
      card.remove();
      return;
    }
    list.appendChild(card);
  }

  async function move(board, card, stageId, stageKind) {
    if (!card || !stageId || card.dataset.stage === String(stageId)) return;
    const select = card.querySelector("[data-board-move]");
    let reason = "";
    if (stageKind === "lost") {
      reason = window.prompt(board.dataset.lostPrompt) || "";
      if (!reason.trim()) {
        if (select) select.value = "";
        return;
      }
    }
    // Show the move at once; put the card back if the server refuses it.
    const origin = card.parentNode;
    const originNext = card.nextSibling;
    const target = cardList(stageId);
    if (target) insertInOrder(target, card);
    else card.remove();
    card.classList.add("moving");

    const body = new URLSearchParams({
      stage: stageId,
      version: card.dataset.version,
      lost_reason: reason,
    });
    const query = board.dataset.query ? `?${board.dataset.query}` : "";
    let response;
    let html = "";
    try {
      response = await fetch(card.dataset.moveUrl + query, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
        body,
      });
      html = await response.text();
    } catch (error) {
      response = null;
    }
    card.classList.remove("moving");
    const answer = document.createElement("template");
    answer.innerHTML = html;
    const message = answer.content.querySelector("[data-board-message]");
    if (!response || !response.ok) {
      origin.insertBefore(card, originNext);
      if (select) select.value = "";
      showMessage(message || textMessage(board.dataset.failed, "error"));
      return;
    }
    for (const header of answer.content.querySelectorAll("[data-board-header]")) {
      const current = document.getElementById(header.id);
      if (current) current.replaceWith(header);
    }
    const fresh = answer.content.querySelector("[data-board-card] > [data-card]");
    if (card.parentNode && fresh) {
      card.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
    } else {
      card.remove();
    }
    showMessage(message);
  }

  function init(board) {
    let dragged = null;

    board.addEventListener("dragstart", (event) => {
      const card = event.target.closest?.("[data-card]");
      if (!card) return;
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.id);
      card.classList.add("dragging");
    });
    board.addEventListener("dragend", () => {
      for (const card of board.querySelectorAll(".dragging")) card.classList.remove("dragging");
      dragged = null;
      for (const zone of board.querySelectorAll(".drop-over")) zone.classList.remove("drop-over");
    });
    board.addEventListener("dragover", (event) => {
      const zone = event.target.closest?.("[data-drop-stage]");
      if (!zone || !dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      zone.classList.add("drop-over");
    });
    board.addEventListener("dragleave", (event) => {
      const zone = event.target.closest?.("[data-drop-stage]");
      if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("drop-over");
    });
    board.addEventListener("drop", (event) => {
      const zone = event.target.closest?.("[data-drop-stage]");
      if (!zone || !dragged) return;
      event.preventDefault();
      zone.classList.remove("drop-over");
      const card = dragged;
      dragged = null;
      // Let the drag finish before a lost reason is asked for (a prompt blocks the page).
      window.setTimeout(() => move(board, card, zone.dataset.dropStage, zone.dataset.stageKind));
    });
    board.addEventListener("change", (event) => {
      const select = event.target.closest?.("[data-board-move]");
      if (!select || !select.value) return;
      const zone = board.querySelector(`[data-drop-stage="${select.value}"]`);
      move(board, select.closest("[data-card]"), select.value, zone?.dataset.stageKind);
    });
    // The select's form is only posted by the script above.
    board.addEventListener("submit", (event) => {
      if (event.target.matches(".board-move-form")) event.preventDefault();
    });
  }

  function start() {
    const board = document.querySelector("[data-board]");
    if (board) init(board);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
