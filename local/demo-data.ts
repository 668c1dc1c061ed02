import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { GridLevel, Role, Skill } from '../shared/domain/roster';

/** A deterministic random source: the same seed gives the same roster. */
export class Dice {
  private readonly rng: ReturnType<typeof xoroshiro128plus>;
  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }
  chance(p: number): boolean {
    return this.int(0, 9_999) < p * 10_000;
  }
  pick<T>(list: readonly T[]): T {
    const item = list[this.int(0, list.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];
const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志文红梅玉海燕春小云鹏飞斌辉宁亮晨欣怡浩然婷雪琳晓东峰波',
];
const MOBILE_PREFIXES = [
  '130',
  '131',
  '132',
  '133',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '155',
  '156',
  '157',
  '158',
  '159',
  '166',
  '176',
  '177',
  '180',
  '181',
  '182',
  '183',
  '185',
  '186',
  '187',
  '188',
  '189',
  '191',
  '193',
  '195',
  '198',
  '199',
];

export function chineseName(dice: Dice): string {
  const given = dice.chance(0.6) ? dice.pick(GIVEN) + dice.pick(GIVEN) : dice.pick(GIVEN);
  return dice.pick(SURNAMES) + given;
}

/** A unique mainland mobile number in E.164. */
export function mobileNumber(dice: Dice, taken: Set<string>): string {
  for (;;) {
    const phone = `+86${dice.pick(MOBILE_PREFIXES)}${String(dice.int(0, 99_999_999)).padStart(8, '0')}`;
    if (!taken.has(phone)) {
      taken.add(phone);
      return phone;
    }
  }
}

export type DemoGrid = {
  gridId: string;
  name: string;
  level: GridLevel;
  musterPoint: string;
  neighbours: string[];
};
export type DemoCommunity = { communityId: string; name: string; areaCode?: string; grids: DemoGrid[] };
export type DemoUnit = {
  unitId: string;
  name: string;
  pairedGrids: { communityId: string; gridId: string }[];
  skillBias: Skill[];
};
export type DemoMember = {
  communityId: string;
  name: string;
  phone: string;
  roles: Role[];
  partyMember: boolean;
  gridId?: string | undefined;
  unitId?: string | undefined;
  skills: Skill[];
  available: boolean;
};
export type DemoStreet = {
  street: { streetId: string; name: string };
  communities: DemoCommunity[];
  units: DemoUnit[];
  members: DemoMember[];
};

const SKILL_ODDS: [Skill, number][] = [
  ['firstAid', 0.25],
  ['driving', 0.3],
  ['rescue', 0.1],
  ['medical', 0.07],
  ['electrician', 0.05],
  ['counselling', 0.05],
  ['logistics', 0.15],
  ['interpreting', 0.03],
];

function skillsFor(dice: Dice, bias: readonly Skill[] = []): Skill[] {
  const skills = new Set<Skill>();
  for (const [skill, odds] of SKILL_ODDS)
    if (dice.chance(bias.includes(skill) ? 0.7 : odds)) skills.add(skill);
  return [...skills];
}

/** Neighbours of cell i in a grid of `columns` columns: left, right, up, down. */
function gridNeighbours(i: number, count: number, columns: number): number[] {
  const out: number[] = [];
  if (i % columns > 0) out.push(i - 1);
  if (i % columns < columns - 1 && i + 1 < count) out.push(i + 1);
  if (i - columns >= 0) out.push(i - columns);
  if (i + columns < count) out.push(i + columns);
  return out;
}

const GRADES: GridLevel[] = [
  'red',
  'red',
  'yellow',
  'green',
  'yellow',
  'green',
  'red',
  'green',
  'yellow',
  'green',
  'yellow',
  'green',
];
const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二'];
const MUSTER = [
  '小学操场',
  '社区广场',
  '党群服务中心',
  '文化活动室',
  '卫生服务站',
  '菜市场东门',
  '体育公园',
  '老年活动中心',
  '停车场',
  '幼儿园门口',
  '中学南门',
  '物业中心',
];

function makeGrids(prefix: string, label: string, count: number, columns: number): DemoGrid[] {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);
  return ids.map((gridId, i) => ({
    gridId,
    name: `${label}${NUMERALS[i % NUMERALS.length] ?? i + 1}网格`,
    level: GRADES[i % GRADES.length] ?? 'green',
    musterPoint: `${label}${MUSTER[i % MUSTER.length] ?? '广场'}`,
    neighbours: gridNeighbours(i, count, columns).map((n) => ids[n] ?? gridId),
  }));
}

/** The people of one grid, in the "1+3+X" pattern: a leader, full- and part-time workers, auxiliaries and volunteers. */
function gridPeople(
  dice: Dice,
  communityId: string,
  gridId: string,
  phones: Set<string>,
  scale: number,
): DemoMember[] {
  const people: DemoMember[] = [];
  const add = (roles: Role[], partyOdds: number, count: number) => {
    for (let i = 0; i < count; i++) {
      people.push({
        communityId,
        gridId,
        name: chineseName(dice),
        phone: mobileNumber(dice, phones),
        roles,
        partyMember: dice.chance(partyOdds),
        skills: skillsFor(dice),
        available: dice.chance(0.88),
      });
    }
  };
  add(['gridLeader'], 0.85, 1);
  add(['fullTimeGridWorker'], 0.6, 1);
  add(['partTimeGridWorker'], 0.45, Math.max(1, Math.round(3 * scale)));
  add(['auxiliary'], 0.2, Math.max(1, Math.round(dice.int(3, 4) * scale)));
  add(['volunteer'], 0.15, Math.max(1, Math.round(dice.int(6, 8) * scale)));
  return people;
}

/**
 * The demo street: 城关街道 with 东关社区 (12 grids) and 西街社区 (4 grids), eight partner units in
 * "1+1" and "N+1" pairings, one of them shared by both communities, and about 300 people. Both
 * communities carry GB/T 2260 codes under the street's code 620102001, so a CAP warning for the
 * street proposes the switch to both.
 */
export function demoStreet(seed = 20_261_122): DemoStreet {
  const dice = new Dice(seed);
  const phones = new Set<string>();
  const dongguan: DemoCommunity = {
    communityId: 'dongguan',
    name: '东关社区',
    areaCode: '620102001001',
    grids: makeGrids('dg', '东关', 12, 4),
  };
  const xijie: DemoCommunity = {
    communityId: 'xijie',
    name: '西街社区',
    areaCode: '620102001002',
    grids: makeGrids('xj', '西街', 4, 2),
  };
  const dg = (n: number) => ({ communityId: 'dongguan', gridId: `dg${String(n).padStart(2, '0')}` });
  const xj = (n: number) => ({ communityId: 'xijie', gridId: `xj${String(n).padStart(2, '0')}` });
  const units: DemoUnit[] = [
    {
      unitId: 'county-hospital',
      name: '县人民医院',
      pairedGrids: [dg(1), dg(2)],
      skillBias: ['medical', 'firstAid'],
    },
    { unitId: 'emergency-bureau', name: '县应急管理局', pairedGrids: [dg(3)], skillBias: ['rescue'] },
    { unitId: 'power-supply', name: '县供电公司', pairedGrids: [dg(3), dg(7)], skillBias: ['electrician'] },
    { unitId: 'no1-middle-school', name: '县第一中学', pairedGrids: [dg(4)], skillBias: ['counselling'] },
    { unitId: 'housing-bureau', name: '县住建局', pairedGrids: [dg(5), dg(6)], skillBias: ['logistics'] },
    {
      unitId: 'fire-rescue',
      name: '县消防救援大队',
      pairedGrids: [dg(8), xj(1)],
      skillBias: ['rescue', 'firstAid'],
    },
    { unitId: 'rural-bank', name: '农商银行', pairedGrids: [xj(2)], skillBias: ['logistics'] },
    {
      unitId: 'transport-bureau',
      name: '县交通运输局',
      pairedGrids: [dg(9), dg(10), xj(3)],
      skillBias: ['driving'],
    },
  ];
  const members: DemoMember[] = [];
  for (const community of [dongguan, xijie]) {
    const scale = community === dongguan ? 1 : 0.7;
    for (const grid of community.grids)
      members.push(...gridPeople(dice, community.communityId, grid.gridId, phones, scale));
  }
  // Serving party members of the units, registered where they live.
  for (const unit of units) {
    const count = dice.int(5, 7);
    for (let i = 0; i < count; i++) {
      const home = dice.pick([dongguan, dongguan, xijie]);
      const livesInGrid = dice.chance(0.6);
      members.push({
        communityId: home.communityId,
        gridId: livesInGrid ? dice.pick(home.grids).gridId : undefined,
        unitId: unit.unitId,
        name: chineseName(dice),
        phone: mobileNumber(dice, phones),
        roles: ['servingPartyMember'],
        partyMember: true,
        skills: skillsFor(dice, unit.skillBias),
        available: dice.chance(0.85),
      });
    }
  }
  return {
    street: { streetId: 'chengguan', name: '城关街道' },
    communities: [dongguan, xijie],
    units,
    members,
  };
}

/**
 * A synthetic street for benchmarks: `people` members over communities of 12 grids each, with
 * two units per community and one unit shared by neighbouring communities.
 */
export function syntheticStreet(people: number, seed = 7): DemoStreet {
  const dice = new Dice(seed);
  const phones = new Set<string>();
  const perGrid = 18;
  const communityCount = Math.max(1, Math.ceil(people / (perGrid * 12)));
  const communities: DemoCommunity[] = Array.from({ length: communityCount }, (_, c) => ({
    communityId: `c${String(c + 1).padStart(3, '0')}`,
    name: `第${c + 1}社区`,
    grids: makeGrids(`c${c + 1}g`, `${c + 1}区`, 12, 4),
  }));
  const units: DemoUnit[] = communities.flatMap((community, c) => {
    const next = communities[(c + 1) % communities.length] ?? community;
    const grid = (cm: DemoCommunity, i: number) => ({
      communityId: cm.communityId,
      gridId: cm.grids[i]?.gridId ?? '',
    });
    return [
      {
        unitId: `u${c + 1}a`,
        name: `第${c + 1}共建单位甲`,
        pairedGrids: [grid(community, 0), grid(community, 1)],
        skillBias: ['medical'] as Skill[],
      },
      {
        unitId: `u${c + 1}b`,
        name: `第${c + 1}共建单位乙`,
        pairedGrids: [grid(community, 5), grid(next, 6)],
        skillBias: ['rescue'] as Skill[],
      },
    ];
  });
  const members: DemoMember[] = [];
  let c = 0;
  while (members.length < people) {
    const community = communities[c % communities.length] as DemoCommunity;
    for (const grid of community.grids) {
      if (members.length >= people) break;
      members.push(
        ...gridPeople(dice, community.communityId, grid.gridId, phones, 1).slice(0, people - members.length),
      );
    }
    c++;
  }
  // One in twenty is a serving party member of a unit paired with their community.
  for (let i = 0; i < members.length; i += 20) {
    const member = members[i] as DemoMember;
    const unit = units.find((u) => u.pairedGrids[0]?.communityId === member.communityId);
    if (unit)
      Object.assign(member, { unitId: unit.unitId, roles: ['servingPartyMember'], partyMember: true });
  }
  return { street: { streetId: 'synthetic', name: '基准街道' }, communities, units, members };
}

/** The roster of one community as the import CSV. */
export function rosterCsv(members: readonly DemoMember[]): string {
  const header = 'name,phone,roles,partyMember,gridId,unitId,skills,available';
  const rows = members.map((m) =>
    [
      m.name,
      m.phone,
      m.roles.join(';'),
      m.partyMember,
      m.gridId ?? '',
      m.unitId ?? '',
      m.skills.join(';'),
      m.available,
    ].join(','),
  );
  return [header, ...rows].join('\n');
}
