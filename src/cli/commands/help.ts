import type { CliCommand } from '../command.ts';

const help: CliCommand = {
  summary: 'list the commands',
  usage: 'studio help',
  async run() {
    const { main } = await import('../main.ts');
    return main([]);
  },
};
export default help;
