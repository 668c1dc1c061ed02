import type { DrillSchedule, Rankings } from './planning-types';
import type { HistoryFilter, HistoryPage, Report, Street, StreetActivation } from './report-types';
import type {
  ActivationCreated,
  AuditPage,
  Board,
  Community,
  CommunityDetail,
  ImportResult,
  Member,
  MemberPage,
  Proposal,
  SmsMessage,
  Unit,
} from './types';
import type { WhistleDetail, WhistleRequest, WhistleSummary } from './whistle-types';

/** An error the API answered with: `{error: {code, message, details}}`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the same request may simply be tried again. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

function toApiError(status: number, body: unknown): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; details?: unknown };
    return new ApiError(
      status,
      typeof e.code === 'string' ? e.code : 'ERROR',
      typeof e.message === 'string' ? e.message : `HTTP ${status}`,
      Array.isArray(e.details) ? e.details : [],
    );
  }
  return new ApiError(status, 'ERROR', `HTTP ${status}`);
}

export type ActivationRequest = {
  kind: string;
  level: string;
  drill: boolean;
  note?: string;
  locale: 'zh' | 'en';
};

export type MemberFilter = {
  gridId?: string;
  role?: string;
  skill?: string;
  limit?: number;
  cursor?: string;
};

/** The API, called with the signed-in user's token. */
export class Api {
  constructor(
    private readonly base: string,
    private readonly token: () => string | undefined,
    private readonly onUnauthorized: () => void,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const token = this.token();
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : 'network error');
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) throw toApiError(response.status, parsed);
    return parsed as T;
  }

  communities() {
    return this.call<{ items: Community[] }>('GET', '/communities').then((r) => r.items);
  }

  community(id: string) {
    return this.call<CommunityDetail>('GET', `/communities/${encodeURIComponent(id)}`);
  }

  members(communityId: string, filter: MemberFilter = {}) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) {
      if (value !== undefined && value !== '') query.set(key, String(value));
    }
    const qs = query.toString();
    return this.call<MemberPage>(
      'GET',
      `/communities/${encodeURIComponent(communityId)}/members${qs ? `?${qs}` : ''}`,
    );
  }

  /** Presses the key. The idempotency key makes a retry of the same press return the same activation. */
  activate(communityId: string, request: ActivationRequest, idempotencyKey: string) {
    return this.call<ActivationCreated>(
      'POST',
      `/communities/${encodeURIComponent(communityId)}/activations`,
      request,
      { 'idempotency-key': idempotencyKey },
    );
  }

  /** The community's open proposals from official warnings. */
  proposals(communityId: string) {
    return this.call<Proposal[]>('GET', `/communities/${encodeURIComponent(communityId)}/proposals`);
  }

  /** Accepts a proposal: the key pressed as confirmed in the switch dialog. */
  acceptProposal(communityId: string, proposalId: string, request: ActivationRequest) {
    return this.call<ActivationCreated>(
      'POST',
      `/communities/${encodeURIComponent(communityId)}/proposals/${encodeURIComponent(proposalId)}/accept`,
      request,
    );
  }

  dismissProposal(communityId: string, proposalId: string, note?: string) {
    return this.call<Proposal>(
      'POST',
      `/communities/${encodeURIComponent(communityId)}/proposals/${encodeURIComponent(proposalId)}/dismiss`,
      note ? { note } : {},
    );
  }

  board(activationId: string) {
    return this.call<Board>('GET', `/activations/${encodeURIComponent(activationId)}`);
  }

  standDown(activationId: string) {
    return this.call<{ activationId: string; endedAt: string }>(
      'POST',
      `/activations/${encodeURIComponent(activationId)}/stand-down`,
    );
  }

  checkIn(activationId: string, memberId: string, status: 'confirmed' | 'declined' | 'arrived') {
    return this.call<unknown>('POST', `/activations/${encodeURIComponent(activationId)}/check-ins`, {
      memberId,
      status,
    });
  }

  /** Uploads a roster CSV, reporting upload progress (0–1) as it goes. */
  importMembers(
    communityId: string,
    csv: Blob,
    onProgress: (fraction: number) => void,
  ): Promise<ImportResult> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${this.base}/communities/${encodeURIComponent(communityId)}/members/import`);
      const token = this.token();
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.setRequestHeader('content-type', 'text/csv');
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
      };
      xhr.upload.onload = () => onProgress(1);
      xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'network error'));
      xhr.onload = () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch {
          parsed = undefined;
        }
        if (xhr.status === 401) this.onUnauthorized();
        if (xhr.status >= 200 && xhr.status < 300) resolve(parsed as ImportResult);
        else reject(toApiError(xhr.status, parsed));
      };
      xhr.send(csv);
    });
  }

  // --- Planning: scheduled drills, rankings, participation ---

  drillSchedules(communityId: string) {
    return this.call<{ items: DrillSchedule[] }>(
      'GET',
      `/communities/${encodeURIComponent(communityId)}/drill-schedules`,
    ).then((r) => r.items);
  }

  scheduleDrill(communityId: string, input: { at: string; kind: string; level: string; note?: string }) {
    return this.call<DrillSchedule>(
      'POST',
      `/communities/${encodeURIComponent(communityId)}/drill-schedules`,
      input,
    );
  }

  cancelDrillSchedule(communityId: string, scheduleId: string) {
    return this.call<DrillSchedule>(
      'DELETE',
      `/communities/${encodeURIComponent(communityId)}/drill-schedules/${encodeURIComponent(scheduleId)}`,
    );
  }

  rankings(streetId: string, period: 'week' | 'month' | 'year', at: string) {
    return this.call<Rankings>(
      'GET',
      `/streets/${encodeURIComponent(streetId)}/rankings?period=${period}&at=${encodeURIComponent(at)}`,
    );
  }

  // --- Reports and history ---

  streets() {
    return this.call<{ items: Street[] }>('GET', '/streets').then((r) => r.items);
  }

  /** A page of history of a community or of a whole street, newest first. */
  history(scope: { communityId: string } | { streetId: string }, filter: HistoryFilter, cursor?: string) {
    const query = new URLSearchParams();
    if (filter.drill !== undefined) query.set('drill', String(filter.drill));
    if (filter.from) query.set('from', filter.from);
    if (filter.to) query.set('to', filter.to);
    if (filter.limit) query.set('limit', String(filter.limit));
    if (cursor) query.set('cursor', cursor);
    const base =
      'communityId' in scope
        ? `/communities/${encodeURIComponent(scope.communityId)}`
        : `/streets/${encodeURIComponent(scope.streetId)}`;
    const qs = query.toString();
    return this.call<HistoryPage>('GET', `${base}/activations${qs ? `?${qs}` : ''}`);
  }

  report(activationId: string) {
    return this.call<Report>('GET', `/activations/${encodeURIComponent(activationId)}/report`);
  }

  /** The report as CSV (UTF-8 with BOM), fetched with the token so it can be saved as a file. */
  async reportCsv(activationId: string): Promise<Blob> {
    const token = this.token();
    let response: Response;
    try {
      response = await fetch(
        `${this.base}/activations/${encodeURIComponent(activationId)}/report?format=csv`,
        { headers: token ? { authorization: `Bearer ${token}` } : {} },
      );
    } catch (error) {
      throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : 'network error');
    }
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) {
      let parsed: unknown;
      try {
        parsed = await response.json();
      } catch {
        parsed = undefined;
      }
      throw toApiError(response.status, parsed);
    }
    return response.blob();
  }

  /** The counts of an open activation, without its people: the street view's side-by-side. */
  boardCounts(activationId: string) {
    return this.call<Board>('GET', `/activations/${encodeURIComponent(activationId)}?view=counts`);
  }

  /** The street-wide key: every community of the street the caller may switch. */
  activateStreet(streetId: string, request: ActivationRequest, idempotencyKey: string) {
    return this.call<StreetActivation>(
      'POST',
      `/streets/${encodeURIComponent(streetId)}/activations`,
      request,
      { 'idempotency-key': idempotencyKey },
    );
  }

  // --- Roster editor: members, grids, units and the audit trail ---

  createMember(communityId: string, input: Record<string, unknown>) {
    return this.call<Member>('POST', `/communities/${encodeURIComponent(communityId)}/members`, input);
  }

  updateMember(communityId: string, memberId: string, patch: Record<string, unknown>) {
    return this.call<Member>(
      'PATCH',
      `/communities/${encodeURIComponent(communityId)}/members/${encodeURIComponent(memberId)}`,
      patch,
    );
  }

  deleteMember(communityId: string, memberId: string) {
    return this.call<undefined>(
      'DELETE',
      `/communities/${encodeURIComponent(communityId)}/members/${encodeURIComponent(memberId)}`,
    );
  }

  putGrid(
    communityId: string,
    gridId: string,
    input: { name: string; level: string; musterPoint: string; neighbours: string[] },
  ) {
    return this.call<unknown>(
      'PUT',
      `/communities/${encodeURIComponent(communityId)}/grids/${encodeURIComponent(gridId)}`,
      input,
    );
  }

  units() {
    return this.call<{ items: Unit[] }>('GET', '/units').then((r) => r.items);
  }

  putUnit(
    unitId: string,
    input: {
      name: string;
      pairedGrids: { communityId: string; gridId: string }[];
      serves: string[];
      kind: string;
    },
  ) {
    return this.call<Unit>('PUT', `/units/${encodeURIComponent(unitId)}`, input);
  }

  audit(communityId: string, cursor?: string, limit = 20) {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    return this.call<AuditPage>('GET', `/communities/${encodeURIComponent(communityId)}/audit?${query}`);
  }

  // --- Whistle (吹哨) ---

  whistles(communityId: string) {
    return this.call<{ items: WhistleSummary[] }>(
      'GET',
      `/communities/${encodeURIComponent(communityId)}/whistles`,
    ).then((r) => r.items);
  }

  streetWhistles(streetId: string) {
    return this.call<{ items: WhistleSummary[] }>(
      'GET',
      `/streets/${encodeURIComponent(streetId)}/whistles`,
    ).then((r) => r.items);
  }

  whistle(whistleId: string) {
    return this.call<WhistleDetail>('GET', `/whistles/${encodeURIComponent(whistleId)}`);
  }

  raiseWhistle(communityId: string, request: WhistleRequest) {
    return this.call<WhistleDetail>(
      'POST',
      `/communities/${encodeURIComponent(communityId)}/whistles`,
      request,
    );
  }

  closeWhistle(whistleId: string, action: 'resolve' | 'cancel', note: string) {
    return this.call<WhistleDetail>(
      'POST',
      `/whistles/${encodeURIComponent(whistleId)}/${action}`,
      note ? { note } : {},
    );
  }

  // The simulated phone network: local stack only.

  conversation(phone: string) {
    return this.call<SmsMessage[]>('GET', `/dev/sms/conversation?phone=${encodeURIComponent(phone)}`);
  }

  sendSms(from: string, body: string) {
    return this.call<{ accepted: boolean }>('POST', '/dev/sms/inbound', { from, body });
  }
}
