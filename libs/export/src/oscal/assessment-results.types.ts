/**
 * The subset of the NIST OSCAL 1.0.6 assessment-results model Driftwatch writes. Field names are
 * OSCAL's own (kebab-case), so the object serialises to a valid document as it is.
 */
export interface OscalProperty {
  name: string;
  value: string;
  ns?: string;
  class?: string;
}

export interface OscalLink {
  href: string;
  rel?: string;
  'media-type'?: string;
  text?: string;
}

export interface OscalSubjectReference {
  'subject-uuid': string;
  type: string;
  title?: string;
  props?: OscalProperty[];
}

export interface OscalRelevantEvidence {
  href?: string;
  description: string;
  props?: OscalProperty[];
  remarks?: string;
}

export interface OscalOrigin {
  actors: { type: 'tool' | 'assessment-platform' | 'party'; 'actor-uuid': string }[];
}

export interface OscalObservation {
  uuid: string;
  title?: string;
  description: string;
  props?: OscalProperty[];
  methods: string[];
  types?: string[];
  origins?: OscalOrigin[];
  subjects?: OscalSubjectReference[];
  'relevant-evidence'?: OscalRelevantEvidence[];
  collected: string;
  remarks?: string;
}

export interface OscalFinding {
  uuid: string;
  title: string;
  description: string;
  props?: OscalProperty[];
  origins?: OscalOrigin[];
  target: {
    type: 'objective-id' | 'statement-id';
    'target-id': string;
    title?: string;
    description?: string;
    props?: OscalProperty[];
    status: { state: 'satisfied' | 'not-satisfied'; reason?: string; remarks?: string };
  };
  'related-observations'?: { 'observation-uuid': string }[];
  remarks?: string;
}

export interface OscalControlSelection {
  description?: string;
  props?: OscalProperty[];
  'include-all'?: Record<string, never>;
  'include-controls'?: { 'control-id': string }[];
  remarks?: string;
}

export interface OscalComponent {
  uuid: string;
  type: string;
  title: string;
  description: string;
  props?: OscalProperty[];
  status: { state: string };
}

export interface OscalInventoryItem {
  uuid: string;
  description: string;
  props?: OscalProperty[];
}

export interface OscalResult {
  uuid: string;
  title: string;
  description: string;
  start: string;
  end?: string;
  props?: OscalProperty[];
  'local-definitions'?: {
    components?: OscalComponent[];
    'inventory-items'?: OscalInventoryItem[];
  };
  'reviewed-controls': {
    description?: string;
    'control-selections': OscalControlSelection[];
    'control-objective-selections'?: {
      description?: string;
      'include-all'?: Record<string, never>;
      'include-objectives'?: { 'objective-id': string }[];
    }[];
    remarks?: string;
  };
  observations?: OscalObservation[];
  findings?: OscalFinding[];
  remarks?: string;
}

export interface OscalAssessmentResultsDocument {
  'assessment-results': {
    uuid: string;
    metadata: {
      title: string;
      'last-modified': string;
      version: string;
      'oscal-version': string;
      props?: OscalProperty[];
      remarks?: string;
    };
    'import-ap': { href: string; remarks?: string };
    results: OscalResult[];
  };
}
