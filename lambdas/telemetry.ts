/** The names the detector reports its own metrics under, shared with the alarms and dashboard. */
export const METRICS_NAMESPACE = 'Stormguard';
export const DETECTOR_SERVICE = 'detector';
