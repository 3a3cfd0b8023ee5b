import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { standardPaths, type ServiceDeclaration } from '../src/service-declaration.js';

// The platform's own test declaration: the platform depends on no service.
const declaration: ServiceDeclaration = {
  name: 'config-test',
  description: 'test service',
  port: 8080,
  ...standardPaths,
  entry: 'n/a',
  dependencies: { postgres: false, services: [] },
  resources: { requests: { cpu: '1m', memory: '1Mi' }, limits: { cpu: '1m', memory: '1Mi' } },
  scaling: { minReplicas: 1, maxReplicas: 1, targetCpuUtilizationPercent: 50 },
  shutdownGraceSeconds: 5,
  env: [
    { name: 'COUNT', description: 'a count', kind: 'integer', default: '5', min: 1, max: 10 },
    { name: 'FLAG', description: 'a flag', kind: 'boolean', default: 'false' },
    { name: 'TARGET', description: 'where to', kind: 'url' },
    { name: 'BROKERS', description: 'brokers', kind: 'list', default: 'a:1,b:2' },
    { name: 'MODE', description: 'mode', kind: 'enum', values: ['fast', 'safe'], default: 'safe' },
    { name: 'KEY', description: 'signing key', kind: 'string', default: '', minLength: 32 },
  ],
};

describe('configuration is validated at start and errors name the setting', () => {
  test('defaults and parsing', () => {
    const config = loadConfig(declaration, { TARGET: 'postgres://u:p@h:5432/db', PORT: '9000' });
    assert.equal(config.integer('COUNT'), 5);
    assert.equal(config.boolean('FLAG'), false);
    assert.deepEqual(config.list('BROKERS'), ['a:1', 'b:2']);
    assert.equal(config.string('MODE'), 'safe');
    assert.equal(config.string('KEY'), '');
    assert.equal(config.port, 9000);
  });

  const bad: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['missing required', {}, /TARGET: is required/],
    ['not an integer', { TARGET: 'http://x', COUNT: 'ten' }, /COUNT: expected an integer/],
    ['out of range', { TARGET: 'http://x', COUNT: '11' }, /COUNT: must be <= 10/],
    ['bad boolean', { TARGET: 'http://x', FLAG: 'maybe' }, /FLAG: expected true or false/],
    ['bad url, value not echoed', { TARGET: 'secret-password-not-a-url' }, /^configuration error: TARGET: is not a valid URL$/],
    ['bad enum', { TARGET: 'http://x', MODE: 'turbo' }, /MODE: must be one of fast, safe/],
    ['short key', { TARGET: 'http://x', KEY: 'short' }, /KEY: must be at least 32 characters/],
    ['bad port', { TARGET: 'http://x', PORT: '70000' }, /PORT: expected a TCP port/],
  ];
  for (const [name, env, message] of bad) {
    test(name, () => {
      assert.throws(
        () => loadConfig(declaration, env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }
});
