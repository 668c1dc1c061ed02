import { useState } from 'preact/hooks';
import { can } from '../../shared/domain/access';
import { CheckList, Field, FieldSet, fieldsOf, Select } from './field';
import { type FormErrors, formErrorsOf, NO_ERRORS } from './form-errors';
import { DialogForm } from './form-layout';
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
  const at = fieldsOf('grid', errors);
  const gridName = (id: string) => community.grids.find((g) => g.gridId === id)?.name ?? id;

  const submit = async () => {
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
      <DialogForm errors={errors} busy={busy} onSubmit={() => void submit()} onCancel={props.onClose}>
        {!grid && (
          <Field {...at('gridId')} label={t('fieldGridId')}>
            {(control) => (
              <input
                {...control}
                type="text"
                value={gridId}
                autoComplete="off"
                onInput={(e) => setGridId(e.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <Field {...at('name')} label={t('fieldGridName')}>
          {(control) => (
            <input {...control} type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          )}
        </Field>
        <Field {...at('level')} label={t('fieldGridLevel')}>
          {(control) => (
            <Select
              control={control}
              value={level}
              options={GRID_LEVEL_LIST}
              labelOf={(l) => labels.gridLevel[l]}
              onPick={setLevel}
            />
          )}
        </Field>
        <Field {...at('musterPoint')} label={t('fieldMuster')}>
          {(control) => (
            <input
              {...control}
              type="text"
              value={musterPoint}
              onInput={(e) => setMuster(e.currentTarget.value)}
            />
          )}
        </Field>
        <FieldSet {...at('neighbours')} label={t('fieldNeighbours')}>
          <CheckList
            options={community.grids.map((g) => g.gridId).filter((g) => g !== grid?.gridId)}
            checked={neighbours}
            labelOf={gridName}
            onChange={setNeighbours}
          />
        </FieldSet>
      </DialogForm>
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
  const at = fieldsOf('unit', errors);
  const gridName = (id: string) => community.grids.find((g) => g.gridId === id)?.name ?? id;

  const submit = async () => {
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
      <DialogForm errors={errors} busy={busy} onSubmit={() => void submit()} onCancel={props.onClose}>
        {!unit && (
          <Field {...at('unitId')} label={t('fieldUnitId')}>
            {(control) => (
              <input
                {...control}
                type="text"
                value={unitId}
                autoComplete="off"
                onInput={(e) => setUnitId(e.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <Field {...at('name')} label={t('fieldUnitName')}>
          {(control) => (
            <input {...control} type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          )}
        </Field>
        <Field {...at('kind')} label={t('fieldUnitKind')}>
          {(control) => (
            <Select
              control={control}
              value={kind}
              options={UNIT_KIND_LIST}
              labelOf={(k) => t(kindKey(k))}
              onPick={setKind}
            />
          )}
        </Field>
        <FieldSet
          {...at('pairedGrids')}
          label={t('fieldPairings')}
          hint={elsewhere.length > 0 ? t('unitOtherPairings', { n: elsewhere.length }) : undefined}
        >
          <CheckList
            options={community.grids.map((g) => g.gridId)}
            checked={paired}
            labelOf={gridName}
            onChange={setPaired}
          />
        </FieldSet>
        <FieldSet {...at('serves')} label={t('fieldServes')}>
          <CheckList
            options={CATEGORY_LIST}
            checked={serves}
            labelOf={(c) => t(catKey(c))}
            onChange={setServes}
          />
        </FieldSet>
      </DialogForm>
    </Dialog>
  );
}
