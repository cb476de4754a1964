import { startPage } from '../page.tsx';
import { usePageRecording } from '../page-recorder.ts';
import { ReplayApp } from './ReplayApp.tsx';
import '../styles.css';
import './replay.css';

// The live page without the connection: the player feeds the store instead, and there is nothing to record.
usePageRecording.setState({ offered: false });
startPage(<ReplayApp />);
