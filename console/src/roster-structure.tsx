import { useState } from 'preact/hooks';
import { can } from '../../shared/domain/access';
import {
  FieldError,
  FormErrorNote,
  type FormErrors,
  formErrorsOf,
  invalidProps,
  NO_ERRORS,
} from './form-errors';
import { type MessageKey, useI18n } from './i18n';
import { useServices } from './services';
import {
  CATEGORY_LIST,
  type CommunityDetail,
  GRID_LEVEL_LIST,
  type Grid,
  type GridLevel,
  UNIT_KIND_LIST,
  type Unit,
  type UnitKind,
  type WhistleCategory,
} from './types';
import { Dialog, Icon } from './ui';

const catKey = (c: WhistleCategory): MessageKey => `cat_${c}`;
const kindKey = (k: UnitKind): MessageKey => `kind_${k}`;

const toggled = <T,>(list: readonly T[], item: T, on: boolean): T[] =>
  on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);

/** The community's grids and the units paired with them, each editable in its own form. */
export function StructurePanel(props: {
  community: CommunityDetail;
  units: readonly Unit[];
  onChanged: () => void;
}) {
  const { session } = useServices();
  const { t, labels } = useI18n();
  const { community } = props;
  const communityId = community.communityId;
  const mayEdit = can(session, 'structure:write', [communityId]);
  const [grid, setGrid] = useState<{ grid?: Grid } | undefined>();
  const [unit, setUnit] = useState<{ unit?: Unit } | undefined>();
  const gridName = (id: string) => community.grids.find((g) => g.gridId === id)?.name ?? id;
  const unitName = (id: string) => props.units.find((u) => u.unitId === id)?.name ?? id;
  const ours = props.units.filter((u) => u.pairedGrids.some((p) => p.communityId === communityId));

  return (
    <div class="structure">
      {!mayEdit && (
        <p class="hint">
          <Icon name="warning" /> {t('reasonNoStructureEdit')}
        </p>
      )}
      <section class="editor-section" aria-labelledby="grids-title">
        <div class="section-head">
          <h2 id="grids-title">{t('gridsTitle')}</h2>
          {mayEdit && (
            <button type="button" class="button" onClick={() => setGrid({})}>
              {t('gridNew')}
            </button>
          )}
        </div>
        <ul class="card-list">
          {community.grids.map((g) => (
            <li key={g.gridId} class={`editor-card grade-edge-${g.level}`} data-grid={g.gridId}>
              <div class="card-head">
                <strong>{g.name}</strong>
                <span class={`grade-chip grade-${g.level}`}>{labels.gridLevel[g.level]}</span>
                {mayEdit && (
                  <button
                    type="button"
                    class="button small"
                    aria-label={`${t('edit')} ${g.name}`}
                    onClick={() => setGrid({ grid: g })}
                  >
                    {t('edit')}
                  </button>
                )}
              </div>
              <dl class="facts">
                <dt>{t('colMuster')}</dt>
                <dd>{g.musterPoint}</dd>
                <dt>{t('colNeighbours')}</dt>
                <dd>{g.neighbours.map(gridName).join('、') || '—'}</dd>
                <dt>{t('colUnits')}</dt>
                <dd>{g.units.map(unitName).join('、') || '—'}</dd>
              </dl>
            </li>
          ))}
        </ul>
      </section>

      <section class="editor-section" aria-labelledby="units-title">
        <div class="section-head">
          <h2 id="units-title">{t('unitsTitle')}</h2>
          {mayEdit && (
            <button type="button" class="button" onClick={() => setUnit({})}>
              {t('unitNew')}
            </button>
          )}
        </div>
        {ours.length === 0 && <p>{t('noUnits')}</p>}
        <ul class="card-list">
          {ours.map((u) => {
            const touched = [...new Set(u.pairedGrids.map((p) => p.communityId))];
            return (
              <li key={u.unitId} class="editor-card" data-unit={u.unitId}>
                <div class="card-head">
                  <strong>{u.name}</strong>
                  <span class="kind-chip">{t(kindKey(u.kind))}</span>
                  {can(session, 'structure:write', touched) && (
                    <button
                      type="button"
                      class="button small"
                      aria-label={`${t('edit')} ${u.name}`}
                      onClick={() => setUnit({ unit: u })}
                    >
                      {t('edit')}
                    </button>
                  )}
                </div>
                <dl class="facts">
                  <dt>{t('fieldPairings')}</dt>
                  <dd class="pairings">
                    {u.pairedGrids
                      .filter((p) => p.communityId === communityId)
                      .map((p) => gridName(p.gridId))
                      .join('、') || '—'}
                  </dd>
                  <dt>{t('colServes')}</dt>
                  <dd>{u.serves.map((c) => t(catKey(c))).join('、') || '—'}</dd>
                </dl>
              </li>
            );
          })}
        </ul>
      </section>

      {grid && (
        <GridDialog
          community={community}
          grid={grid.grid}
          onClose={() => setGrid(undefined)}
          onSaved={() => {
            setGrid(undefined);
            props.onChanged();
          }}
        />
      )}
      {unit && (
        <UnitDialog
          community={community}
          unit={unit.unit}
          onClose={() => setUnit(undefined)}
          onSaved={() => {
            setUnit(undefined);
            props.onChanged();
          }}
        />
      )}
    </div>
  );
}

const GRID_FIELDS = ['gridId', 'name', 'level', 'musterPoint', 'neighbours'] as const;

function GridDialog(props: {
  community: CommunityDetail;
  grid?: Grid | undefined;
  onSaved: () => void;
  onClose: () => void;
}) {
  const { api, notify } = useServices();
  const { t, labels } = useI18n();
  const { grid, community } = props;
  const [gridId, setGridId] = useState(grid?.gridId ?? '');
  const [name, setName] = useState(grid?.name ?? '');
  const [level, setLevel] = useState<GridLevel>(grid?.level ?? 'green');
  const [musterPoint, setMuster] = useState(grid?.musterPoint ?? '');
  const [neighbours, setNeighbours] = useState<string[]>(grid?.neighbours ?? []);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const id = (f: string) => `grid-${f}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (!gridId.trim()) {
      setErrors({ fields: { gridId: t('idRequired') } });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await api.putGrid(community.communityId, gridId.trim(), { name, level, musterPoint, neighbours });
      notify(t('gridSaved', { name }));
      props.onSaved();
    } catch (e) {
      setErrors(formErrorsOf(e, GRID_FIELDS));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={grid ? t('gridEditTitle', { name: grid.name }) : t('gridNewTitle')}
      onClose={props.onClose}
      testId="grid-dialog"
    >
      <form class="editor-form" onSubmit={(e) => void submit(e)} noValidate>
        {!grid && (
          <div class="field">
            <label for={id('gridId')}>{t('fieldGridId')}</label>
            <input
              id={id('gridId')}
              type="text"
              value={gridId}
              autoComplete="off"
              onInput={(e) => setGridId(e.currentTarget.value)}
              {...invalidProps(id('gridId'), errors, 'gridId')}
            />
            <FieldError id={id('gridId')} errors={errors} field="gridId" />
          </div>
        )}
        <div class="field">
          <label for={id('name')}>{t('fieldGridName')}</label>
          <input
            id={id('name')}
            type="text"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            {...invalidProps(id('name'), errors, 'name')}
          />
          <FieldError id={id('name')} errors={errors} field="name" />
        </div>
        <div class="field">
          <label for={id('level')}>{t('fieldGridLevel')}</label>
          <select
            id={id('level')}
            value={level}
            onChange={(e) => {
              const picked = GRID_LEVEL_LIST.find((l) => l === e.currentTarget.value);
              if (picked) setLevel(picked);
            }}
            {...invalidProps(id('level'), errors, 'level')}
          >
            {GRID_LEVEL_LIST.map((l) => (
              <option key={l} value={l}>
                {labels.gridLevel[l]}
              </option>
            ))}
          </select>
          <FieldError id={id('level')} errors={errors} field="level" />
        </div>
        <div class="field">
          <label for={id('musterPoint')}>{t('fieldMuster')}</label>
          <input
            id={id('musterPoint')}
            type="text"
            value={musterPoint}
            onInput={(e) => setMuster(e.currentTarget.value)}
            {...invalidProps(id('musterPoint'), errors, 'musterPoint')}
          />
          <FieldError id={id('musterPoint')} errors={errors} field="musterPoint" />
        </div>
        <fieldset class="field wide choices" {...invalidProps(id('neighbours'), errors, 'neighbours')}>
          <legend>{t('fieldNeighbours')}</legend>
          {community.grids
            .filter((g) => g.gridId !== grid?.gridId)
            .map((g) => (
              <label key={g.gridId} class="check">
                <input
                  type="checkbox"
                  checked={neighbours.includes(g.gridId)}
                  onChange={(e) => setNeighbours(toggled(neighbours, g.gridId, e.currentTarget.checked))}
                />
                {g.name}
              </label>
            ))}
          <FieldError id={id('neighbours')} errors={errors} field="neighbours" />
        </fieldset>
        <FormErrorNote errors={errors} />
        <div class="dialog-actions wide">
          <button type="button" class="button" onClick={props.onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? t('saving') : t('save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const UNIT_FIELDS = ['unitId', 'name', 'pairedGrids', 'serves', 'kind'] as const;

function UnitDialog(props: {
  community: CommunityDetail;
  unit?: Unit | undefined;
  onSaved: () => void;
  onClose: () => void;
}) {
  const { api, notify } = useServices();
  const { t } = useI18n();
  const { unit, community } = props;
  const communityId = community.communityId;
  const elsewhere = (unit?.pairedGrids ?? []).filter((p) => p.communityId !== communityId);
  const [unitId, setUnitId] = useState(unit?.unitId ?? '');
  const [name, setName] = useState(unit?.name ?? '');
  const [kind, setKind] = useState<UnitKind>(unit?.kind ?? 'unit');
  const [paired, setPaired] = useState<string[]>(
    (unit?.pairedGrids ?? []).filter((p) => p.communityId === communityId).map((p) => p.gridId),
  );
  const [serves, setServes] = useState<WhistleCategory[]>(unit?.serves ?? []);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const id = (f: string) => `unit-${f}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (!unitId.trim()) {
      setErrors({ fields: { unitId: t('idRequired') } });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const saved = await api.putUnit(unitId.trim(), {
        name,
        kind,
        serves,
        // The unit's pairings in other communities stay as they were.
        pairedGrids: [...elsewhere, ...paired.map((gridId) => ({ communityId, gridId }))],
      });
      notify(t('unitSaved', { name: saved.name }));
      props.onSaved();
    } catch (e) {
      setErrors(formErrorsOf(e, UNIT_FIELDS));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={unit ? t('unitEditTitle', { name: unit.name }) : t('unitNewTitle')}
      onClose={props.onClose}
      testId="unit-dialog"
    >
      <form class="editor-form" onSubmit={(e) => void submit(e)} noValidate>
        {!unit && (
          <div class="field">
            <label for={id('unitId')}>{t('fieldUnitId')}</label>
            <input
              id={id('unitId')}
              type="text"
              value={unitId}
              autoComplete="off"
              onInput={(e) => setUnitId(e.currentTarget.value)}
              {...invalidProps(id('unitId'), errors, 'unitId')}
            />
            <FieldError id={id('unitId')} errors={errors} field="unitId" />
          </div>
        )}
        <div class="field">
          <label for={id('name')}>{t('fieldUnitName')}</label>
          <input
            id={id('name')}
            type="text"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            {...invalidProps(id('name'), errors, 'name')}
          />
          <FieldError id={id('name')} errors={errors} field="name" />
        </div>
        <div class="field">
          <label for={id('kind')}>{t('fieldUnitKind')}</label>
          <select
            id={id('kind')}
            value={kind}
            onChange={(e) => {
              const picked = UNIT_KIND_LIST.find((k) => k === e.currentTarget.value);
              if (picked) setKind(picked);
            }}
          >
            {UNIT_KIND_LIST.map((k) => (
              <option key={k} value={k}>
                {t(kindKey(k))}
              </option>
            ))}
          </select>
          <FieldError id={id('kind')} errors={errors} field="kind" />
        </div>
        <fieldset class="field wide choices" {...invalidProps(id('pairedGrids'), errors, 'pairedGrids')}>
          <legend>{t('fieldPairings')}</legend>
          {community.grids.map((g) => (
            <label key={g.gridId} class="check">
              <input
                type="checkbox"
                checked={paired.includes(g.gridId)}
                onChange={(e) => setPaired(toggled(paired, g.gridId, e.currentTarget.checked))}
              />
              {g.name}
            </label>
          ))}
          {elsewhere.length > 0 && <p class="hint">{t('unitOtherPairings', { n: elsewhere.length })}</p>}
          <FieldError id={id('pairedGrids')} errors={errors} field="pairedGrids" />
        </fieldset>
        <fieldset class="field wide choices" {...invalidProps(id('serves'), errors, 'serves')}>
          <legend>{t('fieldServes')}</legend>
          {CATEGORY_LIST.map((c) => (
            <label key={c} class="check">
              <input
                type="checkbox"
                checked={serves.includes(c)}
                onChange={(e) => setServes(toggled(serves, c, e.currentTarget.checked))}
              />
              {t(catKey(c))}
            </label>
          ))}
          <FieldError id={id('serves')} errors={errors} field="serves" />
        </fieldset>
        <FormErrorNote errors={errors} />
        <div class="dialog-actions wide">
          <button type="button" class="button" onClick={props.onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? t('saving') : t('save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
