// Calls to the Email manager through NocoBase's own API client: same origin, same token,
// same renewal (the plugin's server part forwards /api/mail* to the sidecar).
import { useAPIClient } from '@nocobase/client';
import { useMemo } from 'react';

export function useMailApi() {
  const api = useAPIClient();
  return useMemo(() => mailApiOf(api), [api]);
}

/** The same calls through a given NocoBase API client (a flow model's `ctx.api`, where
 * no React context is at hand). */
export function mailApiOf(api) {
  return {
    /** `resource:action` with query `params` and, for a write, JSON or FormData `values`. */
    async call(action, { params, values } = {}) {
      const response = await api.request({
        url: action,
        method: values === undefined ? 'get' : 'post',
        params,
        data: values,
        skipNotify: true,
      });
      return response.data;
    },
    /** The bytes of a download, as a Blob (the token travels in the header, not the URL). */
    async blob(action, params) {
      const response = await api.request({ url: action, method: 'get', params, responseType: 'blob', skipNotify: true });
      return response.data;
    },
  };
}

/** The sidecar's (or NocoBase's) error message for a failed call. */
export function errorText(error) {
  const first = error && error.response && error.response.data && error.response.data.errors && error.response.data.errors[0];
  return (first && first.message) || (error && error.message) || String(error);
}

/** Whether the email service itself could not be reached: the plugin's proxy says so, or a
 * proxy in front of it (the compose file's nginx) answered 502/503/504 without our body. */
export function serviceDown(error) {
  const response = error && error.response;
  if (!response) return false;
  const first = response.data && response.data.errors && response.data.errors[0];
  if (first) return first.code === 'EMAIL_SERVICE_UNREACHABLE';
  return [502, 503, 504].includes(response.status);
}

/** For a 400 whose message names the field ("clientId: …"), that field and the problem. */
export function fieldError(error) {
  const text = errorText(error);
  const match = /^([a-zA-Z.[\]0-9]+): (.+)$/.exec(text);
  return match ? { field: match[1], problem: match[2] } : null;
}

/** A NocoBase filter for the query string. */
export function filterParam(filter) {
  return JSON.stringify(filter);
}
