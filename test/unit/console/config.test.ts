import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../console/src/config';

const base = {
  mode: 'aws',
  apiUrl: 'https://api.example.cn/',
  region: 'cn-north-1',
  clientId: 'pingji-console',
};

describe('the console config.json in AWS', () => {
  it('signs in at Cognito with a user pool and its domain', () => {
    const config = parseConfig({
      ...base,
      region: 'ap-southeast-1',
      userPoolId: 'ap-southeast-1_abc',
      cognitoDomain: 'pingji.auth.ap-southeast-1.amazoncognito.com',
    });

    expect(config).toMatchObject({
      userPoolId: 'ap-southeast-1_abc',
      issuer: null,
      cognitoDomain: 'https://pingji.auth.ap-southeast-1.amazoncognito.com',
      apiUrl: 'https://api.example.cn',
    });
  });

  it("signs in at the office's own OpenID Connect issuer, without a user pool", () => {
    const config = parseConfig({
      ...base,
      issuer: 'https://idp.example.gov.cn/realms/pingji/',
      cognitoDomain: null,
    });

    expect(config).toMatchObject({
      userPoolId: null,
      issuer: 'https://idp.example.gov.cn/realms/pingji',
      cognitoDomain: null,
    });
  });

  it('reads the claim names of the office’s provider, Cognito’s by default', () => {
    const own = parseConfig({ ...base, issuer: 'https://idp.example.gov.cn', groupsClaim: 'groups' });
    const cognito = parseConfig({ ...base, userPoolId: 'cn-north-1_x' });

    expect(own.mode === 'aws' && own.claims).toEqual({ groups: 'groups', communities: 'custom:communities' });
    expect(cognito.mode === 'aws' && cognito.claims).toEqual({
      groups: 'cognito:groups',
      communities: 'custom:communities',
    });
  });

  it('names what is missing when neither a user pool nor an issuer is given', () => {
    expect(() => parseConfig({ ...base, clientId: '' })).toThrow(
      'config.json lacks clientId, userPoolId or issuer',
    );
  });
});
