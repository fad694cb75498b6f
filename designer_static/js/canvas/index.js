// The editor: diagram-js with its editing modules plus ours (renderer, layouter, rules, commands).

import {
  ConnectModule, ConnectionPreviewModule, CopyPasteModule, CreateModule,
  Diagram, EditorActionsModule, GridSnappingModule, KeyboardModule, KeyboardMoveModule,
  KeyboardMoveSelectionModule, LassoToolModule, MinimapModule, ModelingModule, MoveCanvasModule,
  MoveModule, RulesModule, SelectionModule, ZoomScrollModule,
} from '../../vendor/diagram-js.bundle.js';
import { TemplateModel } from '../model.js';
import { BizflowCommands } from './commands.js';
import { BizflowElementFactory, BizflowInteraction, PortDrag } from './interaction.js';
import PortLayouter from './layouter.js';
import BizflowRenderer from './renderer.js';
import Culling from './culling.js';
import BizflowRules from './rules.js';

const EDITING = [
  ModelingModule, MoveModule, ConnectModule, ConnectionPreviewModule, CreateModule, SelectionModule,
  RulesModule, KeyboardModule, EditorActionsModule, CopyPasteModule, GridSnappingModule,
  LassoToolModule, ZoomScrollModule, MoveCanvasModule,
  KeyboardMoveModule, KeyboardMoveSelectionModule, MinimapModule,
];

/** Creates the canvas in `container`; `readOnly` leaves out every editing module. */
export function createEditor(container, blocks, { readOnly = false } = {}) {
  const bizflowModule = {
    __init__: readOnly ? [] : ['bizflowRules', 'bizflowCommands', 'bizflowInteraction'],
    bizflowBlocks: ['value', blocks],
    bizflowModel: ['type', TemplateModel],
    bizflowPortDrag: ['type', PortDrag],
    bizflowCulling: ['type', Culling],
    bizflowRenderer: ['type', BizflowRenderer],
    bizflowRules: ['type', BizflowRules],
    bizflowCommands: ['type', BizflowCommands],
    bizflowInteraction: ['type', BizflowInteraction],
    layouter: ['type', PortLayouter],
    elementFactory: ['type', BizflowElementFactory],
  };
  const modules = readOnly ? [ZoomScrollModule, MoveCanvasModule, SelectionModule, MinimapModule] : EDITING;
  const diagram = new Diagram({
    canvas: { container },
    keyboard: { bind: !readOnly },
    minimap: { open: true },
    modules: [...modules, bizflowModule],
  });
  diagram.get('bizflowRenderer');
  return diagram;
}
