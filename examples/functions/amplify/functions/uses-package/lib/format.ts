export interface Formatted {
  formatted: string;
  idLength: number;
}

export function format(prefix: string, id: string): Formatted {
  return { formatted: `${prefix.toUpperCase()}-${id}`, idLength: id.length };
}
