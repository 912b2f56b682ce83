// The sidecar's live events (`GET /api/mailEvents:stream`, server-sent events) for the
// signed-in user's mailboxes, through NocoBase's proxy. EventSource cannot send the
// token header, so this reads the stream with fetch. The stream never renews a token
// (NocoBase's rule for streams): when it ends or is refused, it is opened again with
// the token NocoBase's other requests keep fresh, resuming after the last event id.
import { useAPIClient } from '@nocobase/client';
import { useEffect, useRef, useState } from 'react';
import { parseFrames } from './sseFrames.mjs';

const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30000;

function streamUrl(api) {
  const base = (api.axios && api.axios.defaults && api.axios.defaults.baseURL) || '/api/';
  return `${base.endsWith('/') ? base : `${base}/`}mailEvents:stream`;
}

function headers(api, lastId) {
  const auth = api.auth || {};
  const out = { Accept: 'text/event-stream' };
  if (auth.token) out.Authorization = `Bearer ${auth.token}`;
  if (auth.authenticator) out['X-Authenticator'] = auth.authenticator;
  if (auth.role) out['X-Role'] = auth.role;
  if (auth.locale) out['X-Locale'] = auth.locale;
  if (lastId) out['Last-Event-ID'] = lastId;
  return out;
}

// One stream per browser tab, shared by every part that listens (the top bar's unread
// badge and the open page): the service caps how many streams a user may hold open.
const listeners = new Set();
const connectedListeners = new Set();
let shared = null;

function setShared(connected) {
  if (shared) shared.connected = connected;
  for (const listener of connectedListeners) listener(connected);
}

function startShared(api) {
  let stopped = false;
  let controller = null;
  let lastId = null;
  let delay = RETRY_MIN_MS;
  let timer = null;
  const open = async () => {
    controller = new AbortController();
    try {
      const response = await fetch(streamUrl(api), { headers: headers(api, lastId), signal: controller.signal, credentials: 'same-origin' });
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      setShared(true);
      delay = RETRY_MIN_MS;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const [events, rest] = parseFrames(buffer);
        buffer = rest;
        for (const event of events) {
          if (event.id) lastId = event.id;
          for (const listener of listeners) listener(event);
        }
      }
    } catch (error) {
      // Closed, refused or offline: try again below.
    }
    setShared(false);
    if (stopped) return;
    timer = setTimeout(open, delay);
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  };
  open();
  return {
    api,
    connected: false,
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (controller) controller.abort();
    },
  };
}

/**
 * Calls `onEvent({kind, data})` for every event while mounted; returns whether the
 * stream is open (pages fall back to polling when it is not).
 */
export function useMailEvents(onEvent) {
  const api = useAPIClient();
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [connected, setConnected] = useState(Boolean(shared && shared.connected));
  useEffect(() => {
    const listener = (event) => handler.current(event);
    listeners.add(listener);
    connectedListeners.add(setConnected);
    // A new API client (another sign-in) opens a new stream.
    if (shared && shared.api !== api) {
      shared.stop();
      shared = null;
    }
    if (!shared) shared = startShared(api);
    setConnected(shared.connected);
    return () => {
      listeners.delete(listener);
      connectedListeners.delete(setConnected);
      if (listeners.size === 0 && shared) {
        shared.stop();
        shared = null;
      }
    };
  }, [api]);
  return connected;
}
