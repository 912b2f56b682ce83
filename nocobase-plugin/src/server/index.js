// The plugin's server part: NocoBase forwards every /api/mail* request to the Email manager
// sidecar, after NocoBase's own token check, so the browser talks to NocoBase's origin only
// and sign-out and token renewal behave exactly as everywhere else in NocoBase.
const { Plugin } = require('@nocobase/server');
const { Readable } = require('node:stream');
const { PUBLIC_ACTIONS, answerCookies, forwardableAction, requestHeaders } = require('./proxyRules');
const { UserCleanup } = require('./userCleanup');
const { SidecarClient } = require('./sidecar');
const { registerWorkflow } = require('./workflow');

// Answer headers the browser needs: the body's type and size, downloads' file names,
// the callback's redirect, caching rules, the request id for support.
const ANSWER_HEADERS = ['content-type', 'content-length', 'content-disposition', 'location', 'cache-control',
  'x-request-id', 'x-content-type-options', 'content-security-policy', 'x-frame-options', 'referrer-policy', 'retry-after',
  'x-accel-buffering'];
// Live event streams stay open for as long as the page does (the sidecar ends them when
// the caller's token expires); every other request has ANSWER_TIMEOUT_MS.
const STREAMS = new Set(['mailEvents:stream']);
const DEFAULT_URL = 'http://127.0.0.1:13100';
// How long a request may wait for the sidecar's first byte (downloads then stream freely).
const ANSWER_TIMEOUT_MS = 10 * 60 * 1000;

function apiBase() {
  const base = process.env.API_BASE_PATH || '/api/';
  return base.endsWith('/') ? base : `${base}/`;
}

class PluginEmailManagerServer extends Plugin {
  sidecarUrl() {
    const configured = (this.options && this.options.sidecarUrl) || process.env.EMAIL_MANAGER_URL || DEFAULT_URL;
    return String(configured).replace(/\/+$/, '');
  }

  async load() {
    this.sidecar = new SidecarClient(this);
    const base = apiBase();
    this.app.use(async (ctx, next) => {
      const action = forwardableAction(ctx.path, base);
      if (!action) return next();
      ctx.withoutDataWrapping = true;
      if (!PUBLIC_ACTIONS.has(action)) {
        const refused = await this.authenticate(ctx);
        if (refused) return;
      }
      await this.forward(ctx, action);
    }, { tag: 'emailManagerProxy', after: 'dataWrapping', before: 'dataSource' });

    // The roles a mailbox owner may share with: names and titles, for every signed-in
    // user (NocoBase's own roles:list is for admins).
    this.app.resourceManager.define({
      name: 'emailManagerRoles',
      actions: {
        list: async (ctx, next) => {
          const roles = await this.db.getRepository('roles').find({ fields: ['name', 'title'], filter: { name: { $notIn: ['anonymous'] } }, sort: ['name'] });
          ctx.body = roles.map((role) => ({ name: role.get('name'), title: role.get('title') }));
          await next();
        },
      },
    });
    this.app.acl.allow('emailManagerRoles', 'list', 'loggedIn');
    new UserCleanup(this).start();
    registerWorkflow(this);
  }

  /** NocoBase's own check of the caller's token; answers NocoBase's 401 itself when it fails. */
  async authenticate(ctx) {
    try {
      const auth = await this.app.authManager.get(ctx.get('X-Authenticator') || 'basic', ctx);
      ctx.auth = auth;
      const user = await auth.check();
      if (!user) throw Object.assign(new Error('Unauthenticated. Please sign in to continue.'), { status: 401, code: 'EMPTY_TOKEN' });
      return false;
    } catch (error) {
      const status = error.status || error.statusCode || 401;
      ctx.status = status;
      ctx.body = { errors: [{ message: error.message, ...(error.code ? { code: error.code } : {}) }] };
      return true;
    }
  }

  async forward(ctx, action) {
    const url = `${this.sidecarUrl()}/api/${action}${ctx.querystring ? `?${ctx.querystring}` : ''}`;
    const headers = requestHeaders(ctx.headers, action);
    // A token NocoBase renewed during its check is the one to use from now on.
    const renewed = ctx.res.getHeader('x-new-token');
    if (typeof renewed === 'string' && renewed) headers.authorization = `Bearer ${renewed}`;
    const streaming = STREAMS.has(action);
    const stop = new AbortController();
    // A page that goes away closes its stream to the sidecar too.
    if (streaming) ctx.req.once('close', () => stop.abort());
    const signal = streaming ? stop.signal : AbortSignal.timeout(ANSWER_TIMEOUT_MS);
    const init = { method: ctx.method, headers, redirect: 'manual', signal };
    if (!['GET', 'HEAD'].includes(ctx.method)) {
      if (ctx.request.rawBody !== undefined) {
        // JSON, form and text bodies were read by NocoBase's body parser: send its bytes.
        init.body = ctx.request.rawBody;
      } else if (ctx.get('content-length') !== '0' && (ctx.get('content-length') || ctx.get('transfer-encoding'))) {
        // Multipart uploads are not parsed by NocoBase: stream them through.
        init.body = Readable.toWeb(ctx.req);
        init.duplex = 'half';
      }
    }
    let answer;
    try {
      answer = await fetch(url, init);
    } catch (error) {
      // The administrator's part (where to look) goes to the log; the user reads a sentence.
      this.app.logger.warn('email manager: the sidecar did not answer; check that it runs and that EMAIL_MANAGER_URL points at it', { url: this.sidecarUrl(), cause: error && error.message });
      ctx.status = 502;
      ctx.body = { errors: [{ message: 'The email service is unavailable right now. Try again in a few minutes; if it stays like this, tell your administrator.', code: 'EMAIL_SERVICE_UNREACHABLE' }] };
      return;
    }
    ctx.status = answer.status;
    for (const name of ANSWER_HEADERS) {
      const value = answer.headers.get(name);
      if (value !== null) ctx.set(name, value);
    }
    // A connect's browser-binding cookie (set by authorize, cleared by the callback).
    for (const cookie of answerCookies(action, answer.headers.getSetCookie())) ctx.append('Set-Cookie', cookie);
    // The sidecar may renew a token too (when it asked NocoBase itself).
    const newToken = answer.headers.get('x-new-token');
    if (newToken && !ctx.res.getHeader('x-new-token')) ctx.set('x-new-token', newToken);
    if (streaming) {
      // Events must reach the page as they come: no compression buffering them, no
      // socket timeout cutting a quiet stream.
      ctx.compress = false;
      ctx.req.socket.setTimeout(0);
    }
    const body = answer.body ? Readable.fromWeb(answer.body) : null;
    // An aborted stream ends quietly (the page left).
    if (body) body.on('error', () => {});
    ctx.body = body || '';
  }
}

module.exports = PluginEmailManagerServer;
module.exports.default = PluginEmailManagerServer;
