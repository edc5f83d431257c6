import { ApiProperty } from '@nestjs/swagger';

import type { PolicyContextEntity, PolicyContextSummary } from '@driftwatch/persistence';
import type { PolicyContext } from '@driftwatch/policy-engine';

import { PageMetaDto } from '@driftwatch/application/common/pagination';

const LIST = { type: 'array', items: { type: 'object' } } as const;

/**
 * The policy context document, as PUT /context takes it and GET /context returns it; the
 * schema is policies/schema/context.schema.json. `scans` is not part of it: evaluations fill it
 * in from the scope's scans.
 */
export class PolicyContextDocumentDto {
  @ApiProperty({ ...LIST, description: 'Network zones: name, networks, classification, approvedPorts' })
  zones!: PolicyContext['zones'];
  @ApiProperty({ ...LIST, description: 'Asset roles: name, approvedPorts, approvedServices' })
  roles!: PolicyContext['roles'];
  @ApiProperty({
    ...LIST,
    description: 'Declared assets: address, name, role, owner, storesCardData, inScope, declaredAt',
  })
  inventory!: PolicyContext['inventory'];
  @ApiProperty({ ...LIST, description: 'Approved flows: from zone, to zone, ports' })
  flows!: PolicyContext['flows'];
  @ApiProperty({
    ...LIST,
    description: 'Approved changes: reference, targets, ports, types, validFrom, validUntil',
  })
  approvedChanges!: PolicyContext['approvedChanges'];
  @ApiProperty({
    type: 'array',
    items: { type: 'string' },
    description: 'Designated time servers (hostnames or addresses) for the 10.6.2 rule',
  })
  timeSources!: PolicyContext['timeSources'];
}

export class PolicyContextVersionDto {
  @ApiProperty({ description: 'Context versions count up; the highest is the current one' }) version!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ description: 'The API key id that stored it' }) createdBy!: string;
  @ApiProperty({
    description: 'How many entries each list holds',
    example: { zones: 3, roles: 2, inventory: 120, flows: 4, approvedChanges: 1, timeSources: 2 },
  })
  counts!: Record<string, number>;
}

export class PolicyContextVersionListDto {
  @ApiProperty({ type: [PolicyContextVersionDto] }) items!: PolicyContextVersionDto[];
  @ApiProperty() page!: PageMetaDto;
}

export const CONTEXT_LISTS = [
  'zones',
  'roles',
  'inventory',
  'flows',
  'approvedChanges',
  'timeSources',
] as const;

export function mapContextDocument(document: Record<string, unknown> | undefined): PolicyContextDocumentDto {
  const list = (key: (typeof CONTEXT_LISTS)[number]): unknown[] => {
    const value: unknown = document?.[key];
    return Array.isArray(value) ? (value as unknown[]) : [];
  };
  return {
    zones: list('zones') as PolicyContext['zones'],
    roles: list('roles') as PolicyContext['roles'],
    inventory: list('inventory') as PolicyContext['inventory'],
    flows: list('flows') as PolicyContext['flows'],
    approvedChanges: list('approvedChanges') as PolicyContext['approvedChanges'],
    timeSources: list('timeSources') as PolicyContext['timeSources'],
  };
}

export function mapContextVersion(v: PolicyContextSummary): PolicyContextVersionDto {
  return { version: v.id, createdAt: v.createdAt.toISOString(), createdBy: v.createdBy, counts: v.counts };
}

export function mapStoredContextVersion(v: PolicyContextEntity): PolicyContextVersionDto {
  const document = mapContextDocument(v.document);
  return mapContextVersion({
    ...v,
    counts: Object.fromEntries(CONTEXT_LISTS.map((key) => [key, document[key].length])),
  });
}
