// The tray and window icon: a 32x32 PNG (blue disc, three berth lines), inline
// so the main bundle needs no asset files.
export const ICON_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAbUlEQVR42u2XwQ3AMAgDGas7dubqukKgQJyKSPc/KVZi23U/thM7TYBF0gUI8lmAJEICJOMSoIglAYrRFqAJn0D0eAVoFMAlUHkNI3BGBiaEI9CVge1PscRnNH1AopJJlFKJWi4xTGSm2X/X8QuRBu4Ezd4p/gAAAABJRU5ErkJggg==';
