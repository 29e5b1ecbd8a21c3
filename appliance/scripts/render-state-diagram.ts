/** Prints the request state machine as a Mermaid diagram (npm run diagram), for the README. */
import { renderStateDiagram } from '../src/core/workflow/state-diagram.js';

process.stdout.write(`\`\`\`mermaid\n${renderStateDiagram()}\n\`\`\`\n`);
