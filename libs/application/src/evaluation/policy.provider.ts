import { Injectable, Logger } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';
import { type CompiledPolicy, compilePolicy, loadPolicyPack } from '@driftwatch/policy-engine';

/** Loads and compiles the policy pack once, at boot; every evaluation reuses the compiled form. */
@Injectable()
export class PolicyProvider {
  private readonly logger = new Logger(PolicyProvider.name);
  readonly policy: CompiledPolicy;

  constructor(config: AppConfig) {
    this.policy = compilePolicy(loadPolicyPack(config.policy.dir));
    this.logger.log(
      { pack: this.policy.name, version: this.policy.version, rules: this.policy.ruleCount },
      'policy compiled',
    );
  }
}
