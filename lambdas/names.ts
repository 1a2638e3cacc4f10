/**
 * What the construct (lib/) and the Lambdas must call alike. Kept free of dependencies: the
 * construct imports it, and a CDK app must not load what only the Lambdas carry.
 */

/** The namespace and service the detector reports its own metrics under: its alarms and dashboard read them. */
export const METRICS_NAMESPACE = 'Stormguard';
export const DETECTOR_SERVICE = 'detector';

/** What a secret holds until someone sets it: the Lambdas say "not configured" rather than use it. */
export const SECRET_PLACEHOLDER = 'stormguard:not-configured';
