// The playground's tool picker on a dataset with thousands of tools (xLAM: 3,600): the ticked ones
// and what a search finds, not a checkbox per tool.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { ToolPicker, toolsOnShow, toolsTickedAtFirst, TOOLS_LISTED, TOOLS_TICKED_AT_FIRST } from '../../src/ui/playground/ToolPicker.tsx';
import { renderNow } from '../helpers/render.ts';

const tool = (i: number) => ({ name: `tool_${String(i).padStart(4, '0')}`, description: i % 100 === 7 ? 'weather forecast' : 'something else', parameters: { type: 'object', properties: {} } });
const many = Array.from({ length: 3600 }, (_, i) => tool(i));

describe('the playground’s tool picker', () => {
  it('lists a small set whole', () => {
    const few = many.slice(0, 12);
    expect(toolsOnShow(few, [], '').shown).toEqual(few);
    expect((renderNow(React.createElement(ToolPicker, { tools: few, chosen: [], onToggle: () => undefined })).match(/type="checkbox"/g) ?? []).length).toBe(12);
  });

  it('past a few dozen: the ticked ones first, then what the search finds, at most a screenful', () => {
    const chosen = ['tool_3000', 'tool_0001'];
    const { shown } = toolsOnShow(many, chosen, '');
    expect(shown.slice(0, 2).map((t) => t.name)).toEqual(['tool_0001', 'tool_3000']);
    expect(shown).toHaveLength(2 + TOOLS_LISTED);
    const weather = toolsOnShow(many, chosen, '  Weather ').shown;
    expect(weather.slice(2).map((t) => t.name)).toEqual(many.filter((t) => t.description === 'weather forecast').map((t) => t.name));
    expect(toolsOnShow(many, [], 'tool_12').shown).toHaveLength(TOOLS_LISTED); // 111 match: the first 40
    const html = renderNow(React.createElement(ToolPicker, { tools: many, chosen, onToggle: () => undefined }));
    expect((html.match(/type="checkbox"/g) ?? []).length).toBe(2 + TOOLS_LISTED);
    expect(html).toMatch(/Find a tool \(3,600 in this dataset\)/);
    expect(html).toMatch(/3,558 more match: refine the search\./);
  });
  it('says more tools match only when some were left out, and how many', () => {
    // One past the whole-list size, one ticked: every tool is on show.
    const all = renderNow(React.createElement(ToolPicker, { tools: many.slice(0, TOOLS_LISTED + 1), chosen: ['tool_0003'], onToggle: () => undefined }));
    expect((all.match(/type="checkbox"/g) ?? []).length).toBe(TOOLS_LISTED + 1);
    expect(all).not.toMatch(/more match/i);
    const two = renderNow(React.createElement(ToolPicker, { tools: many.slice(0, TOOLS_LISTED + 2), chosen: [], onToggle: () => undefined }));
    expect(two).toMatch(/2 more match: refine the search\./);
    expect(toolsOnShow(many.slice(0, 100), ['tool_0001'], 'tool_00').leftOut).toBe(99 - TOOLS_LISTED);
  });

  it('ticks a few tools all at first, and of many none (an arbitrary few could not answer the question), saying how to tick', () => {
    const few = many.slice(0, TOOLS_TICKED_AT_FIRST);
    expect(toolsTickedAtFirst(few)).toEqual(few.map((t) => t.name));
    expect(toolsTickedAtFirst(many.slice(0, TOOLS_TICKED_AT_FIRST + 1))).toEqual([]);
    const none = renderNow(React.createElement(ToolPicker, { tools: many, chosen: [], onToggle: () => undefined }));
    expect(none).toContain('None ticked: the model can only answer in words.');
    expect(renderNow(React.createElement(ToolPicker, { tools: many, chosen: ['tool_0001'], onToggle: () => undefined }))).not.toContain('None ticked');
  });
});
