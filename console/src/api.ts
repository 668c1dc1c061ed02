import type { DrillSchedule, Rankings } from './planning-types';
import type {
  ActivationCreated,
  Board,
  Community,
  CommunityDetail,
  ImportResult,
  MemberPage,
  Proposal,
  SmsMessage,
} from './types';

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

  // The simulated phone network: local stack only.

  conversation(phone: string) {
    return this.call<SmsMessage[]>('GET', `/dev/sms/conversation?phone=${encodeURIComponent(phone)}`);
  }

  sendSms(from: string, body: string) {
    return this.call<{ accepted: boolean }>('POST', '/dev/sms/inbound', { from, body });
  }
}
