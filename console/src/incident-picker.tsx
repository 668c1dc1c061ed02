import { INCIDENT_KINDS, type IncidentKind, LEVELS, type Level } from '../../shared/domain/incident';
import { useI18n } from './i18n';

/** One group of large radio choices under its legend; the chosen one is marked. */
function ChoiceGroup<T extends string>(props: {
  legend: string;
  name: string;
  options: readonly T[];
  value: T | undefined;
  labelOf: (option: T) => string;
  /** A class of the choice's own, e.g. its level's colour. */
  classOf?: (option: T) => string;
  onPick: (option: T) => void;
}) {
  return (
    <fieldset class="choice-group">
      <legend>{props.legend}</legend>
      <div class="choices">
        {props.options.map((o) => (
          <label
            key={o}
            class={`choice${props.classOf ? ` ${props.classOf(o)}` : ''}${props.value === o ? ' chosen' : ''}`}
          >
            <input
              type="radio"
              name={props.name}
              value={o}
              checked={props.value === o}
              onChange={() => props.onPick(o)}
            />
            <span>{props.labelOf(o)}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * What happened and how grave, as the key's confirmations ask it: two groups of large radio
 * choices, each level in its colour. Nothing is picked until the user picks it (or a proposal
 * pre-fills it).
 */
export function IncidentPicker(props: {
  kind: IncidentKind | undefined;
  level: Level | undefined;
  onKind: (kind: IncidentKind) => void;
  onLevel: (level: Level) => void;
  /** Put before the radio groups' names (`kind`, `level`), e.g. `street-`. */
  namePrefix?: string;
}) {
  const { t, labels } = useI18n();
  const prefix = props.namePrefix ?? '';
  return (
    <>
      <ChoiceGroup
        legend={t('kindLabel')}
        name={`${prefix}kind`}
        options={INCIDENT_KINDS}
        value={props.kind}
        labelOf={(k) => labels.kind[k]}
        onPick={props.onKind}
      />
      <ChoiceGroup
        legend={t('levelLabel')}
        name={`${prefix}level`}
        options={LEVELS}
        value={props.level}
        labelOf={(l) => labels.level[l]}
        classOf={(l) => `level-${l}`}
        onPick={props.onLevel}
      />
    </>
  );
}
