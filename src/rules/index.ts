/**
 * Rule evaluation: recording and alerting rules in groups, the rules manager and the notifier
 * that delivers alerts to Alertmanagers.
 */
export { RuleManager, type AlertSender, type RuleManagerOptions } from './manager.js';
export { Notifier, alertsURL, type AlertmanagerTarget, type NotifierOptions } from './notifier.js';
export { AlertingRule, RESOLVED_RETENTION_MS, type Alert, type AlertState, type AlertingRuleSpec } from './alerting.js';
export { RecordingRule, type RecordingRuleSpec } from './recording.js';
export { Group, type GroupOptions, type Rule } from './group.js';
export { engineQueryFunc, type QueryFunc, type RuleHealth, type RuleQueryEngine, type RuleSample } from './rule.js';
export { apiAlert, goJSONTime, type ApiAlert } from './api.js';
