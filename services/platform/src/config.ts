import type { EnvSetting, ServiceDeclaration } from './service-declaration.js';

/** Raised when a setting is missing or malformed; names the setting. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`configuration error: ${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type ConfigValue = string | number | boolean | readonly string[];

/** Parsed settings of one service, keyed by variable name. */
export interface ServiceConfig {
  readonly port: number;
  string(name: string): string;
  integer(name: string): number;
  boolean(name: string): boolean;
  list(name: string): readonly string[];
}

/** Parses and checks one raw value of `setting`; throws a ConfigError naming it (the charts check per-environment values with it too). */
export function parseSetting(setting: EnvSetting, raw: string): ConfigValue {
  const { name } = setting;
  switch (setting.kind) {
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `expected an integer, got "${raw}"`);
      const value = Number(raw);
      if (setting.min !== undefined && value < setting.min) throw new ConfigError(name, `must be >= ${setting.min}, got ${value}`);
      if (setting.max !== undefined && value > setting.max) throw new ConfigError(name, `must be <= ${setting.max}, got ${value}`);
      return value;
    }
    case 'boolean': {
      const lowered = raw.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(lowered)) return true;
      if (['false', '0', 'no'].includes(lowered)) return false;
      throw new ConfigError(name, `expected true or false, got "${raw}"`);
    }
    case 'url': {
      try {
        new URL(raw);
      } catch {
        // Never echo the value: URLs here may carry credentials.
        throw new ConfigError(name, 'is not a valid URL');
      }
      return raw;
    }
    case 'list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      if (items.length === 0) throw new ConfigError(name, 'expected a comma-separated list, got an empty value');
      return items;
    }
    case 'enum': {
      if (!setting.values?.includes(raw)) throw new ConfigError(name, `must be one of ${setting.values?.join(', ')}, got "${raw}"`);
      return raw;
    }
    case 'string': {
      if (setting.minLength !== undefined && raw.length < setting.minLength) {
        throw new ConfigError(name, `must be at least ${setting.minLength} characters long`);
      }
      return raw;
    }
  }
}

/**
 * Reads and validates every declared setting at start. Any problem stops the
 * process before it serves traffic, with a message naming the setting.
 */
export function loadConfig(declaration: ServiceDeclaration, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const values = new Map<string, ConfigValue>();
  for (const setting of declaration.env) {
    const raw = env[setting.name];
    if (raw === undefined || raw === '') {
      if (setting.default === undefined) throw new ConfigError(setting.name, `is required (${setting.description})`);
      // An empty default means "off" (e.g. no Kafka authentication locally).
      values.set(setting.name, setting.default === '' ? '' : parseSetting(setting, setting.default));
      continue;
    }
    values.set(setting.name, parseSetting(setting, raw));
  }
  let port = declaration.port;
  if (env.PORT !== undefined && env.PORT !== '') {
    port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT', `expected a TCP port number, got "${env.PORT}"`);
  }
  const get = (name: string): ConfigValue => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`setting ${name} is not declared by service ${declaration.name}`);
    return value;
  };
  return {
    port,
    string: (name) => String(get(name)),
    integer: (name) => get(name) as number,
    boolean: (name) => get(name) as boolean,
    list: (name) => get(name) as readonly string[],
  };
}
