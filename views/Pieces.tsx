import { Text } from 'ink';
import type { Paint } from './theme';

/** A count on a status line; when the line is too narrow the lowest `keep` goes first. */
export interface Piece {
  text: string;
  paint: Paint;
  keep: number;
}

const SEP = '  ';
const lineLength = (pieces: Piece[]) => pieces.reduce((n, p) => n + p.text.length, 0) + SEP.length * Math.max(0, pieces.length - 1);

/** Drops the least telling pieces until the line fits `room` cells. */
export function fitPieces(pieces: Piece[], room: number): Piece[] {
  const kept = [...pieces];
  while (kept.length > 1 && lineLength(kept) > room) {
    const victim = kept.reduce((v, p) => (p.keep < v.keep ? p : v));
    kept.splice(kept.indexOf(victim), 1);
  }
  return kept;
}

export function Pieces({ pieces }: { pieces: Piece[] }) {
  return (
    <>
      {pieces.map((p, i) => (
        <Text key={p.text}>
          {i > 0 ? SEP : ''}
          <Text {...p.paint}>{p.text}</Text>
        </Text>
      ))}
    </>
  );
}
