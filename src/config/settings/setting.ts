// What a setting is (config/settings.ts gathers them from the files beside this one, one per facet).
export type SettingKind = "string" | "int" | "bool" | "enum";

export interface SettingDef {
  kind: SettingKind;
  env: string;
  flag: string;
  /** The value used when neither the environment nor a flag sets it ("" means unset). */
  default: string;
  description: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Secrets are never echoed back in errors or logs. */
  secret?: boolean;
}
