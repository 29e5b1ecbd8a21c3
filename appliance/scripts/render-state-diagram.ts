/**
 * Prints the request state machine and the card lifecycle as Mermaid diagrams (npm run
 * diagram), for the README's two diagram blocks.
 */
import { renderCardLifecycleDiagram } from '../src/core/card/card-lifecycle-diagram.js';
import { renderStateDiagram } from '../src/core/workflow/state-diagram.js';

process.stdout.write(`\`\`\`mermaid\n${renderStateDiagram()}\n\`\`\`\n`);
process.stdout.write(`\n\`\`\`mermaid\n${renderCardLifecycleDiagram()}\n\`\`\`\n`);
