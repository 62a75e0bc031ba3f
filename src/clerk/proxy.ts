// Proxy settings from the environment: HTTPS_PROXY, HTTP_PROXY and NO_PROXY, lower case first (as undici and curl
// read them), always from the env the caller passes, never from process.env. undici's EnvHttpProxyAgent routes the
// requests and matches NO_PROXY; this module only reads and checks the variables, and adds one rule of ours: a
// loopback API URL (the emulator) never goes to a proxy on another machine, which could not reach this machine's
// loopback anyway and, for plain http://, would read the secret key in the Authorization header.

import { ConfigError } from '../errors.ts';

/** What EnvHttpProxyAgent needs ('' = none, so undici never falls back to process.env), and what messages show. */
export interface ProxyConfig {
  /** The variable that names the proxy for the API URL's scheme: `HTTPS_PROXY`, `http_proxy`... */
  variable: string;
  /** That proxy as scheme://host:port, without credentials or path: safe to print. */
  display: string;
  httpProxy: string;
  httpsProxy: string;
  /** NO_PROXY as given ('' = none): comma- or space-separated hosts, `.suffix`, `host:port` or `*`. */
  noProxy: string;
}

/** 127.0.0.0/8, [::1] and localhost: the hosts plain http:// is allowed for. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  const octets = host.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
}

function readVariable(
  env: Record<string, string | undefined>,
  lower: string,
): { name: string; value: string } | undefined {
  for (const name of [lower, lower.toUpperCase()]) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function parseProxyUrl(name: string, value: string): URL {
  // `proxy.corp:3128` without a scheme means http://, as curl reads it.
  const text = /^[a-z][a-z\d+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The value is not echoed: a proxy URL may hold a password.
    throw new ConfigError(`${name} is not a valid proxy URL`, {
      meta: { variable: name },
      hint: `Set ${name} to a URL like http://proxy.example.com:3128 (or unset it).`,
    });
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new ConfigError(`${name} must be an http:// or https:// proxy URL, got ${url.protocol}//`, {
      meta: { variable: name },
      hint: `Set ${name} to a URL like http://proxy.example.com:3128 (or unset it).`,
    });
  }
  return url;
}

/**
 * The proxy the client should use for `baseUrl`, or undefined for a direct connection: no proxy variable for the
 * URL's scheme (https falls back to HTTP_PROXY, as in undici), or a loopback API URL with a proxy that is not on
 * this machine. NO_PROXY is left to EnvHttpProxyAgent.
 */
export function resolveProxy(env: Record<string, string | undefined>, baseUrl: string): ProxyConfig | undefined {
  const target = new URL(baseUrl);
  const httpsVariable = readVariable(env, 'https_proxy');
  const httpVariable = readVariable(env, 'http_proxy');
  const chosen = target.protocol === 'https:' ? (httpsVariable ?? httpVariable) : httpVariable;
  if (chosen === undefined) return undefined;
  const proxy = parseProxyUrl(chosen.name, chosen.value);
  if (isLoopbackHost(target.hostname) && !isLoopbackHost(proxy.hostname)) return undefined;
  return {
    variable: chosen.name,
    display: `${proxy.protocol}//${proxy.host}`,
    httpProxy: target.protocol === 'https:' ? '' : proxy.href,
    httpsProxy: target.protocol === 'https:' ? proxy.href : '',
    noProxy: readVariable(env, 'no_proxy')?.value ?? '',
  };
}
