// First: hides fetch from Yoga while Ink loads (see there).
import { restoreFetch } from './quiet-fetch';
import { render, type Instance } from 'ink';
import { App, type AppProps } from './App';

restoreFetch();

// What the bin needs besides, so that it gets all it needs to draw in one import: each chunk
// loaded separately costs the first frame ~2 ms.
export { ledgerSource } from '../src/console/ledger-source';
export { ledgerActions } from '../src/console/ledger-actions';
export { deliveryLoop } from '../src/console/delivery-loop';
export { connectServer } from '../src/console/http-source';

/**
 * Mounts the console on the process's terminal. The only place that renders: the bin
 * imports this lazily, after the TTY check, so refusing a pipe never loads Ink or React.
 */
export function startConsole(props: AppProps): Instance {
  return render(<App {...props} />, {
    // Ctrl-C arrives as a key in raw mode; Ink unmounts, and the bin restores the screen.
    exitOnCtrlC: true,
    // A stray console.log from a dependency would otherwise tear the frame.
    patchConsole: true,
    // Not incrementalRendering: in Ink 6.8 it moves the cursor one row short when the frame
    // ends with a newline (ours does, being one row shorter than the screen), and every
    // update shifts the screen. The standard renderer repaints inside a synchronised update.
  });
}
