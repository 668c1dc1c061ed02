import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, type Route } from '../../../console/src/route';

describe('console hash routes', () => {
  it('read the history, report and street pages from their hashes', () => {
    expect(parseRoute('#/history/dongguan')).toEqual({ page: 'history', communityId: 'dongguan' });
    expect(parseRoute('#/history')).toEqual({ page: 'streetHistory' });
    expect(parseRoute('#/street/chengguan/history')).toEqual({
      page: 'streetHistory',
      streetId: 'chengguan',
    });
    expect(parseRoute('#/street/chengguan')).toEqual({ page: 'street', streetId: 'chengguan' });
    expect(parseRoute('#/street')).toEqual({ page: 'street', streetId: undefined });
    expect(parseRoute('#/report/01ABC')).toEqual({ page: 'report', activationId: '01ABC' });
    expect(parseRoute('#/report')).toEqual({ page: 'overview' });
  });

  it('write every route as a hash that reads back as the same route', () => {
    const routes: Route[] = [
      { page: 'overview' },
      { page: 'board', activationId: 'a b/c' },
      { page: 'history', communityId: 'xijie' },
      { page: 'streetHistory', streetId: 'chengguan' },
      { page: 'report', activationId: '01J0/x' },
      { page: 'street', streetId: 'chengguan' },
      { page: 'rankings', streetId: 'chengguan' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
  });
});
