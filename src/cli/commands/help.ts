import type { CliCommand } from '../command.ts';

const help: CliCommand = {
  summary: "list the commands, or a command's options",
  usage: 'studio help [command]',
  async run(argv) {
    // Reached only from code: main() answers `studio help` itself.
    const { main } = await import('../main.ts');
    return main(['help', ...argv]);
  },
};
export default help;
